//! Checks on what clients send with an asset: names, groups, attributes, digests.

use std::collections::BTreeMap;

use mediaport_shared::AiOptions;

use crate::uploads::IntakeError;

/// Longest file name most file systems accept, in bytes.
const MAX_FILENAME_BYTES: usize = 255;
const MAX_ATTRIBUTES: usize = 50;
const MAX_ATTRIBUTE_KEY: usize = 128;
const MAX_ATTRIBUTE_VALUE: usize = 1024;

/// A file name is one path segment: no slashes, no control characters, not `.` or `..`,
/// at most 255 bytes.
pub fn check_filename(name: &str) -> Result<(), IntakeError> {
    let problem = if name.trim().is_empty() {
        Some("a file name is needed".to_owned())
    } else if name.len() > MAX_FILENAME_BYTES {
        Some(format!("a file name is at most {MAX_FILENAME_BYTES} bytes; this one has {}", name.len()))
    } else if name.contains(['/', '\\']) {
        Some(format!("{name:?} holds a slash: send the file name without its folder"))
    } else if name == "." || name == ".." {
        Some(format!("{name:?} is not a file name"))
    } else if name.chars().any(char::is_control) {
        Some("a file name cannot hold control characters".to_owned())
    } else {
        None
    };
    match problem {
        Some(message) => Err(IntakeError::invalid("invalid-filename", message)),
        None => Ok(()),
    }
}

/// A storage key of an object to register: 1 to 1,024 bytes, no control characters.
pub fn check_key(key: &str) -> Result<(), IntakeError> {
    if key.is_empty() || key.len() > 1024 || key.chars().any(char::is_control) || key.ends_with('/') {
        return Err(IntakeError::invalid(
            "invalid-key",
            "a key is 1 to 1,024 bytes, names a file, and holds no control characters",
        ));
    }
    Ok(())
}

/// Groups are 1 to 64 letters, digits, spaces, `.`, `_` or `-`.
pub fn check_group(group: Option<&str>) -> Result<(), IntakeError> {
    let Some(group) = group else { return Ok(()) };
    let ok = (1..=64).contains(&group.chars().count())
        && group.trim() == group
        && group.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(IntakeError::invalid("invalid-group", "a group is 1 to 64 letters, digits, spaces, '.', '_' or '-'"))
    }
}

/// At most 50 attributes; keys of letters, digits, `.`, `_`, `-`, `:` up to 128; values up to 1,024 characters.
pub fn check_attributes(attributes: &BTreeMap<String, String>) -> Result<(), IntakeError> {
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(IntakeError::invalid("invalid-attributes", format!("at most {MAX_ATTRIBUTES} attributes")));
    }
    for (key, value) in attributes {
        let key_ok = (1..=MAX_ATTRIBUTE_KEY).contains(&key.len())
            && key.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
        if !key_ok {
            return Err(IntakeError::invalid(
                "invalid-attributes",
                format!(
                    "attribute name {key:?} must be 1 to {MAX_ATTRIBUTE_KEY} letters, digits, '.', '_', '-' or ':'"
                ),
            ));
        }
        if value.chars().count() > MAX_ATTRIBUTE_VALUE || value.chars().any(char::is_control) {
            return Err(IntakeError::invalid(
                "invalid-attributes",
                format!(
                    "the value of {key:?} must be at most {MAX_ATTRIBUTE_VALUE} characters without control characters"
                ),
            ));
        }
    }
    Ok(())
}

/// A hex MD5, returned in lower case.
pub fn check_md5(md5: &str) -> Result<String, IntakeError> {
    if md5.len() == 32 && md5.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(md5.to_ascii_lowercase())
    } else {
        Err(IntakeError::invalid("invalid-md5", format!("{md5:?} is not a hex MD5 (32 hex digits)")))
    }
}

/// A MIME type like `video/mp4`; `application/octet-stream` when none is given.
pub fn check_content_type(content_type: Option<&str>) -> Result<String, IntakeError> {
    match content_type.map(str::trim) {
        None | Some("") => Ok("application/octet-stream".to_owned()),
        Some(t) if t.len() <= 255 && t.contains('/') && !t.chars().any(|c| c.is_control() || c == '\n') => {
            Ok(t.to_owned())
        }
        Some(t) => Err(IntakeError::invalid("invalid-content-type", format!("{t:?} is not a MIME type"))),
    }
}

/// Analysis options, when given, are each within their range.
pub fn check_ai_options(options: Option<&AiOptions>) -> Result<(), IntakeError> {
    match options.map(AiOptions::check) {
        None | Some(Ok(())) => Ok(()),
        Some(Err(err)) => Err(IntakeError::invalid("invalid-ai-options", err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServiceError;

    fn code(result: Result<(), IntakeError>) -> &'static str {
        result.err().map(|e| e.code()).unwrap_or("ok")
    }

    #[test]
    fn file_names_are_one_safe_segment() {
        for good in ["clip.mp4", "Interview – take 3.mov", "été.jpg", ".hidden"] {
            assert_eq!(code(check_filename(good)), "ok", "{good}");
        }
        let long = "a".repeat(2000);
        for bad in ["", "  ", "../etc/passwd", "a/b.mp4", "a\\b.mp4", "..", "bell\u{7}.mp4", "line\nbreak.mp4", &long] {
            assert_eq!(code(check_filename(bad)), "invalid-filename", "{bad:?}");
        }
    }

    #[test]
    fn attributes_and_groups_are_bounded() {
        let ok = BTreeMap::from([("camera".to_owned(), "X100".to_owned()), ("dc:rights".to_owned(), String::new())]);
        assert_eq!(code(check_attributes(&ok)), "ok");
        let bad_key = BTreeMap::from([("has space".to_owned(), "v".to_owned())]);
        assert_eq!(code(check_attributes(&bad_key)), "invalid-attributes");
        let many: BTreeMap<_, _> = (0..51).map(|i| (format!("k{i}"), "v".to_owned())).collect();
        assert_eq!(code(check_attributes(&many)), "invalid-attributes");
        assert_eq!(code(check_group(Some("News desk"))), "ok");
        assert_eq!(code(check_group(Some(""))), "invalid-group");
        assert_eq!(code(check_group(Some("a/b"))), "invalid-group");
    }

    #[test]
    fn digests_and_types() {
        assert_eq!(check_md5("D41D8CD98F00B204E9800998ECF8427E").unwrap(), "d41d8cd98f00b204e9800998ecf8427e");
        assert!(check_md5("d41d8cd9").is_err());
        assert_eq!(check_content_type(None).unwrap(), "application/octet-stream");
        assert!(check_content_type(Some("nonsense")).is_err());
    }
}
