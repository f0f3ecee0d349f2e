pub mod empty_state;
pub mod layout;
pub mod require_group;
pub mod server_status;
