//! How numbers read on the pages, shared so that no page borrows another's helpers.

/// `1234567` bytes as `1.2 MB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{size:.1} {}", UNITS[unit]) }
}

/// A duration in milliseconds as `m:ss`, or `h:mm:ss` from an hour: `83000` as `1:23`,
/// `3723000` as `1:02:03`.
pub fn duration(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A time as people type it (`1:05`, `1:02:03`, `65.5`) in milliseconds.
pub fn parse_time(text: &str) -> Option<u64> {
    let mut ms = 0.0;
    for part in text.trim().split(':') {
        let value: f64 = part.trim().parse().ok().filter(|v: &f64| v.is_finite() && *v >= 0.0)?;
        ms = ms * 60.0 + value * 1000.0;
    }
    Some(ms.round() as u64)
}

/// An RFC 3339 time as the server sends it (`2026-12-03T12:47:10.123Z`), to the second:
/// `2026-12-03 12:47:10`.
pub fn when(rfc3339: &str) -> String {
    rfc3339.replace('T', " ").chars().take(19).collect()
}

/// A language's English name from its code as Whisper gives it ("fr": "French"), the code
/// itself for the rarer ones.
pub fn language(code: &str) -> String {
    const NAMES: [(&str, &str); 20] = [
        ("ar", "Arabic"),
        ("de", "German"),
        ("en", "English"),
        ("es", "Spanish"),
        ("fr", "French"),
        ("hi", "Hindi"),
        ("it", "Italian"),
        ("ja", "Japanese"),
        ("ko", "Korean"),
        ("nl", "Dutch"),
        ("pl", "Polish"),
        ("pt", "Portuguese"),
        ("ru", "Russian"),
        ("sv", "Swedish"),
        ("tr", "Turkish"),
        ("uk", "Ukrainian"),
        ("zh", "Chinese"),
        ("da", "Danish"),
        ("fi", "Finnish"),
        ("no", "Norwegian"),
    ];
    NAMES.iter().find(|(c, _)| *c == code).map_or_else(|| code.to_owned(), |(_, name)| (*name).to_owned())
}
