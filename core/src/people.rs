//! The people rule: which person a face nobody has named belongs to, decided by the faces
//! nearest to it in other assets. Corrections a reviewer made ("not this person") are
//! honoured every time the rule runs, so re-sorting never undoes them.

use std::collections::BTreeMap;

/// A face near the one being placed, and the person it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct NearFace {
    pub person: String,
    /// Euclidean distance between the two faces' embeddings.
    pub distance: f32,
}

/// The person the face joins, or none (it starts a person of its own).
///
/// Each near face under `same_person` votes for its person, the nearer the stronger
/// (`same_person - distance`): one stray look-alike does not outvote several faces of
/// the right person a little further away. Equal votes go to the person with the nearest
/// face. Persons in `excluded` (the face was said not to be them) get no votes.
pub fn choose_person(near: &[NearFace], excluded: &[String], same_person: f32) -> Option<String> {
    let mut votes: BTreeMap<&str, (f32, f32)> = BTreeMap::new();
    for face in near.iter().filter(|f| f.distance < same_person && !excluded.contains(&f.person)) {
        let vote = votes.entry(&face.person).or_insert((0.0, f32::INFINITY));
        vote.0 += same_person - face.distance;
        vote.1 = vote.1.min(face.distance);
    }
    votes
        .into_iter()
        .max_by(|(_, a), (_, b)| a.0.total_cmp(&b.0).then_with(|| b.1.total_cmp(&a.1)))
        .map(|(person, _)| person.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near(person: &str, distance: f32) -> NearFace {
        NearFace { person: person.into(), distance }
    }

    #[test]
    fn several_near_faces_outvote_one_nearer_look_alike() {
        let faces = [near("ana", 0.30), near("ben", 0.35), near("ben", 0.36), near("ben", 0.38)];
        assert_eq!(choose_person(&faces, &[], 0.5).as_deref(), Some("ben"));
        assert_eq!(choose_person(&faces[..1], &[], 0.5).as_deref(), Some("ana"));
    }

    #[test]
    fn far_faces_and_excluded_people_do_not_count() {
        assert_eq!(choose_person(&[near("ana", 0.55)], &[], 0.5), None, "too far: a new person");
        let faces = [near("ana", 0.2), near("ben", 0.45)];
        assert_eq!(choose_person(&faces, &["ana".into()], 0.5).as_deref(), Some("ben"));
        assert_eq!(choose_person(&faces, &["ana".into(), "ben".into()], 0.5), None);
    }

    #[test]
    fn equal_votes_go_to_the_nearest_face() {
        // ana: 0.125 + 0.25 from two faces; ben: 0.375 from one nearer face (exact in binary).
        let faces = [near("ana", 0.375), near("ana", 0.25), near("ben", 0.125)];
        assert_eq!(choose_person(&faces, &[], 0.5).as_deref(), Some("ben"));
    }
}
