pub mod empty_state;
pub mod layout;
pub mod server_status;
