//! The search index port's suite: every query form, filters, facets, paging, replacing,
//! removing and clearing, and assets found by meaning. Each part starts from the same
//! three assets.

use std::collections::BTreeMap;

use mediaport_core::search;
use mediaport_core::search::query::{self, Query};
use mediaport_core::{AssetDocument, IndexedName, SearchIndex, SearchRequest};
use mediaport_shared::{AnalysisKind, AssetType, Timecode};

pub async fn suite(index: &dyn SearchIndex) {
    every_query_form_finds_the_right_assets(index).await;
    a_hit_carries_what_matched_with_its_moments_and_a_highlight(index).await;
    filters_facets_and_pages(index).await;
    replacing_removing_and_clearing(index).await;
    many_documents_at_once_replace_and_add(index).await;
    a_rebuild_s_batches_all_become_searchable(index).await;
    a_facet_keeps_its_most_frequent_values(index).await;
    a_value_frequent_overall_but_nowhere_alone_is_counted(index).await;
    assets_found_by_meaning_rank_by_their_weights_under_the_other_conditions(index).await;
}

fn name(name: &str, begin: u64) -> IndexedName {
    IndexedName {
        name: name.into(),
        confidence: 0.9,
        timecodes: vec![Timecode { begin, end: begin + 2000 }],
        pages: vec![],
    }
}

fn asset(
    id: &str,
    filename: &str,
    asset_type: AssetType,
    names: Vec<(AnalysisKind, Vec<IndexedName>)>,
) -> AssetDocument {
    AssetDocument {
        asset_id: id.into(),
        filename: filename.into(),
        asset_type,
        group: None,
        attributes: BTreeMap::new(),
        thumbnail: Some(format!("{id}/thumbnail.jpg")),
        created_at: "2026-11-26T10:00:00Z".into(),
        names: names.into_iter().collect(),
        sentences: vec![],
    }
}

/// Three assets, and nothing else: a news clip with a dog and rain said, a photo of a
/// dog and a car, an interview about rain in the "press" group.
pub async fn seed(index: &dyn SearchIndex) {
    index.clear().await.unwrap();
    let news = asset(
        "news",
        "evening-news.mp4",
        AssetType::Video,
        vec![
            (AnalysisKind::Label, vec![name("dog", 4000), name("person", 0)]),
            (
                AnalysisKind::Transcript,
                vec![name("Breaking news from Lisbon.", 1000), name("Heavy rain is expected.", 9000)],
            ),
            (AnalysisKind::Text, vec![name("BREAKING NEWS", 0)]),
        ],
    );
    let photo = asset(
        "photo",
        "street.jpg",
        AssetType::Image,
        vec![(AnalysisKind::Label, vec![name("dog", 0), name("car", 0)])],
    );
    let mut interview = asset(
        "interview",
        "interview-mayor.mp4",
        AssetType::Video,
        vec![(AnalysisKind::Transcript, vec![name("The rain flooded the valley.", 30_000)])],
    );
    interview.group = Some("press".into());
    interview.attributes.insert("project".into(), "Apollo Eleven".into());
    for document in [news, photo, interview] {
        index.upsert(document).await.unwrap();
    }
}

fn request(q: &str) -> SearchRequest {
    SearchRequest::new(query::parse(q).unwrap())
}

async fn ids(index: &dyn SearchIndex, request: &SearchRequest) -> Vec<String> {
    let mut ids: Vec<String> =
        search::run(index, request).await.unwrap().hits.into_iter().map(|h| h.asset_id.to_string()).collect();
    ids.sort();
    ids
}

async fn every_query_form_finds_the_right_assets(index: &dyn SearchIndex) {
    seed(index).await;
    let cases: [(&str, &[&str]); 14] = [
        ("label:dog", &["news", "photo"]),
        ("label:dog AND transcript:rain", &["news"]),
        ("label:dog AND NOT label:car", &["news"]),
        ("label:dog -label:car", &["news"]),
        ("rain", &["interview", "news"]),
        (r#"transcript:"breaking news""#, &["news"]),
        (r#"transcript:"news breaking""#, &[]),
        ("label:car OR transcript:flooded", &["interview", "photo"]),
        ("(label:car OR transcript:flooded) AND type:video", &["interview"]),
        ("flood*", &["interview"]),
        ("filename:street", &["photo"]),
        ("group:press", &["interview"]),
        (r#"attributes.project:"apollo eleven""#, &["interview"]),
        ("", &["interview", "news", "photo"]),
    ];
    for (q, expected) in cases {
        assert_eq!(ids(index, &request(q)).await, expected, "{q}");
    }
}

async fn a_hit_carries_what_matched_with_its_moments_and_a_highlight(index: &dyn SearchIndex) {
    seed(index).await;
    let results = search::run(index, &request(r#"transcript:"heavy rain" AND label:dog"#)).await.unwrap();
    assert_eq!(results.total, 1);
    let hit = &results.hits[0];
    assert_eq!((hit.asset_id.as_str(), hit.asset_type), ("news", AssetType::Video));
    assert_eq!(hit.thumbnail.as_deref(), Some("news/thumbnail.jpg"));
    let found: Vec<(AnalysisKind, &str, u64)> =
        hit.matches.iter().map(|m| (m.kind, m.name.as_str(), m.timecodes[0].begin)).collect();
    assert_eq!(
        found,
        [(AnalysisKind::Label, "dog", 4000), (AnalysisKind::Transcript, "Heavy rain is expected.", 9000)]
    );
    assert!(hit.highlights.contains(&"<b>Heavy</b> <b>rain</b> is expected.".to_owned()), "{:?}", hit.highlights);
}

async fn filters_facets_and_pages(index: &dyn SearchIndex) {
    seed(index).await;
    let all = search::run(index, &request("")).await.unwrap();
    assert_eq!(all.facets["type"], BTreeMap::from([("image".into(), 1), ("video".into(), 2)]));
    assert_eq!(all.facets["label"]["dog"], 2);
    assert_eq!(all.facets["group"], BTreeMap::from([("press".into(), 1)]));

    let mut videos = request("rain OR label:dog");
    videos.types = vec![AssetType::Video];
    assert_eq!(ids(index, &videos).await, ["interview", "news"]);
    let mut grouped = request("rain");
    grouped.group = Some("press".into());
    assert_eq!(ids(index, &grouped).await, ["interview"]);
    let mut labels_only = request("dog");
    labels_only.kinds = vec![AnalysisKind::Transcript];
    assert_eq!(ids(index, &labels_only).await, Vec::<String>::new());
    // A time window keeps the assets with a moment inside it.
    let mut early = request("rain");
    (early.from_ms, early.to_ms) = (Some(8000), Some(12_000));
    assert_eq!(ids(index, &early).await, ["news"]);

    let mut first = request("");
    first.page_size = 2;
    let page = search::run(index, &first).await.unwrap();
    assert_eq!((page.hits.len(), page.total, page.next_cursor.as_deref()), (2, 3, Some("2")));
    first.offset = 2;
    let last = search::run(index, &first).await.unwrap();
    assert_eq!((last.hits.len(), last.next_cursor), (1, None));
}

async fn replacing_removing_and_clearing(index: &dyn SearchIndex) {
    seed(index).await;
    // The photo analysed again: no dog any more.
    let photo = asset("photo", "street.jpg", AssetType::Image, vec![(AnalysisKind::Label, vec![name("car", 0)])]);
    index.upsert(photo).await.unwrap();
    assert_eq!(ids(index, &request("label:dog")).await, ["news"]);
    assert_eq!(ids(index, &request("")).await.len(), 3, "replaced, not added");
    index.remove(&"news".into()).await.unwrap();
    index.remove(&"never-indexed".into()).await.unwrap();
    assert_eq!(ids(index, &request("label:dog")).await, Vec::<String>::new());
    assert_eq!(ids(index, &request("")).await, ["interview", "photo"]);
    index.clear().await.unwrap();
    assert_eq!(search::run(index, &request("")).await.unwrap().total, 0);
}

async fn many_documents_at_once_replace_and_add(index: &dyn SearchIndex) {
    seed(index).await;
    let photo = asset("photo", "street.jpg", AssetType::Image, vec![(AnalysisKind::Label, vec![name("cat", 0)])]);
    let more: Vec<AssetDocument> = (0..50)
        .map(|n| {
            asset(
                &format!("clip-{n:02}"),
                "clip.mp4",
                AssetType::Video,
                vec![(AnalysisKind::Label, vec![name("cat", 0)])],
            )
        })
        .collect();
    index.upsert_many(std::iter::once(photo).chain(more).collect()).await.unwrap();
    assert_eq!(search::run(index, &request("")).await.unwrap().total, 53, "the photo replaced, not added");
    assert_eq!(search::run(index, &request("label:cat")).await.unwrap().total, 51);
    assert_eq!(ids(index, &request("label:dog")).await, ["news"]);
}

async fn a_rebuild_s_batches_all_become_searchable(index: &dyn SearchIndex) {
    seed(index).await;
    let clip = |n: usize, label: &str| {
        asset(&format!("clip-{n:02}"), "clip.mp4", AssetType::Video, vec![(AnalysisKind::Label, vec![name(label, 0)])])
    };
    let photo = asset("photo", "street.jpg", AssetType::Image, vec![(AnalysisKind::Label, vec![name("cat", 0)])]);
    let batches = vec![
        (0..30).map(|n| clip(n, "cat")).collect(),
        std::iter::once(photo).chain((30..60).map(|n| clip(n, "cat"))).collect(),
        // A clip seen again in a later batch: the later document stands.
        vec![clip(7, "owl")],
    ];
    index.upsert_batches(Box::pin(futures::stream::iter(batches))).await.unwrap();
    assert_eq!(search::run(index, &request("")).await.unwrap().total, 63, "the photo and clip-07 replaced, not added");
    assert_eq!(search::run(index, &request("label:cat")).await.unwrap().total, 60);
    assert_eq!(ids(index, &request("label:owl")).await, ["clip-07"]);
}

async fn a_facet_keeps_its_most_frequent_values(index: &dyn SearchIndex) {
    seed(index).await;
    // thing00 on 22 clips, thing01 on 21 ... thing21 on one; aardvark on 3, as thing19.
    let mut clips: Vec<AssetDocument> = (0..22)
        .map(|n| {
            let mut labels: Vec<IndexedName> = (0..22 - n).map(|k| name(&format!("thing{k:02}"), 0)).collect();
            if n < 3 {
                labels.push(name("aardvark", 0));
            }
            // Many values seen once: more than an index may hand over from one segment.
            if n == 0 {
                labels.extend((0..130).map(|k| name(&format!("rare{k:03}"), 0)));
            }
            asset(&format!("clip-{n:02}"), "clip.mp4", AssetType::Video, vec![(AnalysisKind::Label, labels)])
        })
        .collect();
    // Two writes: an index of segments counts across them.
    let second = clips.split_off(11);
    index.upsert_many(clips).await.unwrap();
    index.upsert_many(second).await.unwrap();
    let page = search::run(index, &request("type:video")).await.unwrap();
    // The 20 most frequent; of the two on 3 clips, the first by name.
    let mut expected: BTreeMap<String, u64> = (0..19).map(|k| (format!("thing{k:02}"), 22 - k)).collect();
    expected.insert("aardvark".into(), 3);
    assert_eq!(page.facets["label"], expected);
}

async fn a_value_frequent_overall_but_nowhere_alone_is_counted(index: &dyn SearchIndex) {
    seed(index).await;
    // Each write: 3 clips with 101 labels of their own, and "zeta" on 2 of them. zeta is
    // 102nd of each write's labels but first of all.
    for (write, prefix) in ["a", "b"].into_iter().enumerate() {
        let clips = (0..3)
            .map(|n| {
                let mut labels: Vec<IndexedName> = (0..101).map(|k| name(&format!("{prefix}{k:03}"), 0)).collect();
                if n < 2 {
                    labels.push(name("zeta", 0));
                }
                asset(&format!("clip-{write}{n}"), "clip.mp4", AssetType::Video, vec![(AnalysisKind::Label, labels)])
            })
            .collect();
        index.upsert_many(clips).await.unwrap();
    }
    let page = search::run(index, &request("type:video")).await.unwrap();
    let mut expected: BTreeMap<String, u64> = (0..19).map(|k| (format!("a{k:03}"), 3)).collect();
    expected.insert("zeta".into(), 4);
    assert_eq!(page.facets["label"], expected);
}

async fn assets_found_by_meaning_rank_by_their_weights_under_the_other_conditions(index: &dyn SearchIndex) {
    seed(index).await;
    let similar = || Query::Similar(vec![("photo".into(), 1.0), ("interview".into(), 3.0), ("news".into(), 2.0)]);
    let ranked = |results: mediaport_shared::SearchResults| -> Vec<String> {
        results.hits.into_iter().map(|h| h.asset_id.to_string()).collect()
    };
    let alone = search::run(index, &SearchRequest::new(similar())).await.unwrap();
    assert_eq!(ranked(alone), ["interview", "news", "photo"]);
    // With a field kept from the query: only the assets with a dog, in the same order.
    let with_dog = SearchRequest::new(Query::And(vec![query::parse("label:dog").unwrap(), similar()]));
    let found = search::run(index, &with_dog).await.unwrap();
    assert_eq!((found.total, ranked(found)), (2, vec!["news".to_owned(), "photo".to_owned()]));
    assert_eq!(search::run(index, &SearchRequest::new(Query::Similar(vec![]))).await.unwrap().total, 0);
}
