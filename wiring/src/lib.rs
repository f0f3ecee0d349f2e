//! How a Mediaport process is put together: typed settings, the adapters they name opened
//! and connected, and logging. Shared by the server, the workers, the command line and
//! the Lambda functions; it knows nothing of HTTP.

pub mod bootstrap;
pub mod settings;
pub mod telemetry;

pub use settings::Settings;
