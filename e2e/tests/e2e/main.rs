//! The web app in real Chromium, one binary: each test starts the real server on port 0
//! and drives the pages as a user does, saving screenshots at desktop and phone widths.

mod accounts;
mod analysis;
mod corrections;
mod faces;
mod notifications;
mod people;
mod processing;
mod review;
mod search;
mod session;
mod shares;
mod shell;
mod uploads;
