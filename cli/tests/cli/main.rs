//! The server and the command line, one binary: each test starts the real server on
//! port 0 with a fresh data folder and talks to it as users do (HTTP, S3, the CLI).

mod access;
mod archive;
mod auth;
mod binary;
mod cognito;
mod common;
mod corrections;
mod delete;
mod embedded_s3;
mod faces;
mod faults;
mod fuzz;
mod http;
mod infra;
mod ingest;
mod load;
mod notes;
mod notify;
mod restart;
mod review;
mod search;
mod shares;
mod tracks;
mod uploads;
mod workflow;
