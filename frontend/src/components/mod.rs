pub mod ai_options;
pub mod download;
pub mod empty_state;
pub mod layout;
pub mod notice;
pub mod require_group;
pub mod server_status;
