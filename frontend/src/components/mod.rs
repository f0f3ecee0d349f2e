pub mod empty_state;
pub mod layout;
pub mod notice;
pub mod require_group;
pub mod server_status;
