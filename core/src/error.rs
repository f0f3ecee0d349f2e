//! What every error in core says of itself: a stable code for clients and the kind of
//! failure it is, the one thing the HTTP layer reads to choose a status.

/// The kinds of failure. Closed: a new error picks one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is wrong; the caller can fix it.
    Invalid,
    /// The request is too big to take.
    TooLarge,
    /// Well formed, but what it carries cannot be used (a photo with no face in it).
    Unprocessable,
    /// The caller is not who they claim, or did not say.
    Unauthenticated,
    /// Asked too often; try again later.
    RateLimited,
    /// Known, but not allowed in (a directory user in none of Mediaport's groups).
    Forbidden,
    NotFound,
    /// The request clashes with the state of things (a name taken, a job still running).
    Conflict,
    /// Something Mediaport depends on cannot be reached; trying again later may work.
    Unavailable,
    /// Storage has no space left: freeing some (deleting assets) lets the request through.
    Full,
    /// A fault of Mediaport's own: logged, never shown in detail.
    Internal,
}

/// An error of a port or a use case.
pub trait ServiceError: std::error::Error {
    /// A stable kebab-case code clients can match on.
    fn code(&self) -> &'static str;
    fn kind(&self) -> ErrorKind;
}
