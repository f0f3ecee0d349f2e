//! Nothing to call: the build script tells CTranslate2's build where oneDNN is, and
//! links it.
