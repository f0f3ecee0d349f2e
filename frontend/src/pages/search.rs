use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const EXAMPLES: [(&str, &str); 6] = [
    ("label:dog", "objects seen in the picture"),
    ("face:\"Jane Doe\"", "a named person"),
    ("transcript:weather", "words that were said"),
    ("text:breaking", "words shown on screen"),
    ("\"press conference\" AND NOT label:car", "phrases and boolean logic"),
    ("type:video interview*", "filters and wildcards"),
];

/// Search everything the analyses found, down to the timecode.
#[component]
pub fn Search() -> impl IntoView {
    let query = use_query_map();
    let q = move || query.read().get("q").unwrap_or_default();
    view! {
        <section class="page">
            <header class="page-header">
                <div>
                    <h1>"Search"</h1>
                    <p class="subtitle">"Labels, faces, on-screen text and speech, with the moments they occur."</p>
                </div>
            </header>
            <form class="search-box" action="/search" method="get" role="search">
                <input type="search" name="q" prop:value=q placeholder="Try label:dog AND transcript:\"breaking news\""
                    aria-label="Search query"/>
                <button class="button" type="submit">"Search"</button>
            </form>
            <div class="card">
                <h2>"Query language"</h2>
                <dl class="examples">
                    {EXAMPLES.iter().map(|(example, meaning)| view! {
                        <dt><a href=format!("/search?q={}", encode(example))><code>{*example}</code></a></dt>
                        <dd>{*meaning}</dd>
                    }).collect_view()}
                </dl>
            </div>
        </section>
    }
}

/// Form-style URL encoding of a query for a link.
pub fn encode(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '-' | '_' | '.' | '*' => c.to_string(),
            ' ' => "+".to_owned(),
            other => {
                let mut buf = [0u8; 4];
                other.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")).collect()
            }
        })
        .collect()
}
