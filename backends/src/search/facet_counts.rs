//! Counts each facet's values over the documents a query matches, as tantivy's
//! FacetCollector does, without turning every counted value into text. The
//! FacetCollector looks every counted ordinal up on its own, each lookup decoding its
//! dictionary block from the start: on a large index a broad query spent most of its time
//! there (450 ms of `news` on 100,000 assets, where the keyphrase facet alone has hundreds
//! of thousands of values).
//!
//! Each segment names only its most frequent values of each facet, and says how often the
//! most frequent value it left out was counted. Merging the segments then gives exact
//! counts: a value some segment named is looked up in the others wherever its count there
//! could change the result, and only when a value no segment named could still reach the
//! facet's top does every counted value get its text.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use mediaport_core::{FACET_VALUES, FACETS, most_frequent};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Dictionary, TermOrdHit};
use tantivy::index::SegmentReader;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal};

/// Values of each facet a segment names, its most frequent (ties to the first by name).
const PER_SEGMENT: usize = FACET_VALUES * 5;

/// Counts the values of a facet field.
pub struct FacetCounter {
    pub field: &'static str,
}

pub struct SegmentFacetCounter {
    reader: tantivy::fastfield::FacetReader,
    /// Matching documents per facet ordinal of this segment.
    counts: Vec<u32>,
}

/// One segment's counts.
pub struct SegmentCounts {
    reader: tantivy::fastfield::FacetReader,
    counts: Vec<u32>,
    /// Per facet, in FACETS' order.
    facets: Vec<Named>,
}

/// A facet's values in one segment: their ordinals, the most frequent with their encoded
/// paths (`label\0dog`) and counts, and the count of the most frequent left out (0: none).
#[derive(Default)]
struct Named {
    ords: Range<u64>,
    top: Vec<(Vec<u8>, u64)>,
    left_out: u64,
}

impl SegmentCounts {
    fn dict(&self) -> &Dictionary {
        self.reader.facet_dict()
    }

    /// How many matching documents of this segment have the encoded path `facet`.
    fn count_of(&self, facet: &[u8]) -> u64 {
        match self.dict().term_ord(facet) {
            Ok(Some(ord)) => u64::from(self.counts[ord as usize]),
            Ok(None) => 0,
            Err(err) => {
                tracing::warn!(%err, "a segment's facet values cannot be read");
                0
            }
        }
    }

    /// Every value of facet `i` counted here, with its count.
    fn every_value(&self, i: usize) -> Vec<(Vec<u8>, u64)> {
        let ords: Vec<u64> = self.facets[i].ords.clone().filter(|&ord| self.counts[ord as usize] > 0).collect();
        self.named(&ords)
    }

    /// The encoded paths of sorted `ords`, with their counts, in one pass over the dictionary.
    fn named(&self, ords: &[u64]) -> Vec<(Vec<u8>, u64)> {
        let mut counted = ords.iter().map(|&ord| u64::from(self.counts[ord as usize]));
        let mut out = Vec::with_capacity(ords.len());
        // A dictionary that cannot be read leaves its values uncounted rather than fail the search.
        let read = self.dict().sorted_ords_to_term_cb(ords, |facet| {
            out.push((facet.to_vec(), counted.next().unwrap_or_default()));
        });
        if let Err(err) = read {
            tracing::warn!(%err, "a segment's facet values cannot be read");
        }
        out
    }
}

impl Collector for FacetCounter {
    type Fruit = Vec<SegmentCounts>;
    type Child = SegmentFacetCounter;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacetCounter> {
        let reader = segment.facet_reader(self.field)?;
        let counts = vec![0; reader.num_facets()];
        Ok(SegmentFacetCounter { reader, counts })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<SegmentCounts>) -> tantivy::Result<Vec<SegmentCounts>> {
        Ok(segments)
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = SegmentCounts;

    fn collect(&mut self, doc: DocId, _: Score) {
        // A document's ordinals come sorted; one with a facet twice counts once.
        let mut previous = None;
        for ord in self.reader.facet_ords(doc) {
            if previous != Some(ord) {
                self.counts[ord as usize] += 1;
            }
            previous = Some(ord);
        }
    }

    fn harvest(self) -> SegmentCounts {
        let dict = self.reader.facet_dict();
        let terms = dict.num_terms() as u64;
        let first_at_or_after = |key: &[u8]| match dict.term_ord_or_next(key) {
            Ok(TermOrdHit::Exact(ord) | TermOrdHit::Next(ord)) => ord.min(terms),
            Err(_) => terms,
        };
        let count = |ord: &u64| self.counts[*ord as usize];
        let mut facets = Vec::with_capacity(FACETS.len());
        let mut kept = Vec::with_capacity(FACETS.len());
        for name in FACETS {
            // A facet's values are the terms `name\0value`, side by side in the dictionary
            // in the order of their values.
            let start = first_at_or_after(&[name.as_bytes(), &[0]].concat());
            let end = first_at_or_after(&[name.as_bytes(), &[1]].concat()).max(start);
            let mut counted: Vec<u64> = (start..end).filter(|ord| count(ord) > 0).collect();
            let mut left_out = 0;
            if counted.len() > PER_SEGMENT {
                counted.select_nth_unstable_by(PER_SEGMENT, |a, b| count(b).cmp(&count(a)).then(a.cmp(b)));
                left_out = u64::from(count(&counted[PER_SEGMENT]));
                counted.truncate(PER_SEGMENT);
            }
            counted.sort_unstable();
            facets.push(Named { ords: start..end, top: Vec::new(), left_out });
            kept.push(counted);
        }
        let mut segment = SegmentCounts { reader: self.reader, counts: self.counts, facets };
        for (i, ords) in kept.iter().enumerate() {
            segment.facets[i].top = segment.named(ords);
        }
        segment
    }
}

/// The most frequent values of each facet (FACETS), counted exactly.
pub fn top_values(segments: &[SegmentCounts]) -> BTreeMap<String, BTreeMap<String, u64>> {
    FACETS.iter().enumerate().map(|(i, name)| ((*name).to_owned(), facet_top(segments, i))).collect()
}

/// Facet `i`'s FACET_VALUES most frequent values over all segments.
fn facet_top(segments: &[SegmentCounts], i: usize) -> BTreeMap<String, u64> {
    // What each named value is known to count, and in which segments it was not named.
    let mut named: HashMap<&[u8], (u64, Vec<usize>)> = HashMap::new();
    for (s, segment) in segments.iter().enumerate() {
        for (facet, count) in &segment.facets[i].top {
            let (known, unnamed) = named.entry(facet.as_slice()).or_insert_with(|| (0, (0..segments.len()).collect()));
            *known += count;
            unnamed.retain(|&other| other != s);
        }
    }
    let left_out = |segments_left: &[usize]| segments_left.iter().map(|&s| segments[s].facets[i].left_out).sum::<u64>();
    // The FACET_VALUES-th count known so far: a value that cannot reach it is out.
    let bar = |named: &HashMap<&[u8], (u64, Vec<usize>)>| {
        let mut known: Vec<u64> = named.values().map(|(count, _)| *count).collect();
        known.sort_unstable_by(|a, b| b.cmp(a));
        known.get(FACET_VALUES - 1).copied().unwrap_or(0)
    };
    let least = bar(&named);
    for (facet, (count, unnamed)) in &mut named {
        if !unnamed.is_empty() && *count + left_out(unnamed) >= least {
            *count += unnamed.iter().map(|&s| segments[s].count_of(facet)).sum::<u64>();
            unnamed.clear();
        }
    }
    // A value no segment named counts at most what each segment left out.
    let all: Vec<usize> = (0..segments.len()).collect();
    let unseen = left_out(&all);
    if unseen > 0 && unseen >= bar(&named) {
        let mut every: HashMap<Vec<u8>, u64> = HashMap::new();
        for segment in segments {
            for (facet, count) in segment.every_value(i) {
                *every.entry(facet).or_default() += count;
            }
        }
        return most_frequent(every.iter().filter_map(|(facet, count)| Some((value_of(facet)?, *count))));
    }
    // Values still not looked up everywhere cannot reach the top.
    most_frequent(
        named
            .iter()
            .filter(|(_, (_, unnamed))| unnamed.is_empty())
            .filter_map(|(facet, (count, _))| Some((value_of(facet)?, *count))),
    )
}

/// The value of an encoded `facet\0value` path.
fn value_of(encoded: &[u8]) -> Option<String> {
    let facet = Facet::from_encoded(encoded.to_vec()).ok()?;
    let path = facet.to_path();
    match path[..] {
        [_, value] => Some(value.to_owned()),
        _ => None,
    }
}
