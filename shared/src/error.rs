use serde::{Deserialize, Serialize};

/// The body of every error response: a stable kebab-case code and a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `not-found`.
    pub code: String,
    /// Human-readable explanation, safe to show to a user.
    pub message: String,
}

/// The error codes clients act on, listed once: the server's that the web app and the CLI
/// match, and those the web app gives its own failures (they never come from the server).
pub mod codes {
    /// No such asset, job, user or other record.
    pub const NOT_FOUND: &str = "not-found";
    /// The upload was completed already (a retried complete after a lost answer).
    pub const UPLOAD_COMPLETED: &str = "upload-completed";

    /// The web app's own: the server could not be reached.
    pub const NETWORK: &str = "network";
    /// The web app's own: nobody is signed in.
    pub const SIGNED_OUT: &str = "unauthenticated";
    /// The web app's own: the browser could not build a form to send.
    pub const FORM: &str = "form";
    /// The web app's own: the browser could not read a chosen file.
    pub const UNREADABLE_FILE: &str = "unreadable";
    /// The web app's own: an empty file was chosen for upload.
    pub const EMPTY_FILE: &str = "empty-file";
    /// The web app's own: a part could not be sent to storage after every try.
    pub const PART_FAILED: &str = "part-failed";
    /// The web app's own: storage hid a part's ETag (its CORS settings).
    pub const NO_ETAG: &str = "no-etag";
    /// The web app's own: the asset was deleted from its page.
    pub const DELETED: &str = "deleted";
}
