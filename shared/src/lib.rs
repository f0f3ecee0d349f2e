//! Wire types shared by the browser app, the CLI and the server.
//!
//! Everything here compiles to `wasm32-unknown-unknown`; the `openapi` feature adds
//! schema derives for the server's OpenAPI document.

pub mod analysis;
pub mod asset;
pub mod corrections;
pub mod error;
pub mod faces;
pub mod health;
pub mod id;
pub mod job;
pub mod media;
pub mod notes;
pub mod notify;
pub mod options;
#[cfg(test)]
mod properties;
pub mod search;
pub mod shares;
pub mod stats;
pub mod upload;
pub mod user;

pub use analysis::{
    AnalysisKind, AnalysisStatus, AnalysisSummaries, AnalysisSummary, EmbeddedSentence, Embeddings, FrameBox,
    SpokenWord, Timecode, Timeline, TimelineItem, WordBox,
};
pub use asset::{Asset, AssetCard, AssetDetail, AssetExport, AssetList, AssetStatus, AssetType, Proxies};
pub use corrections::{CORRECTABLE, Correction, CorrectionEntry, CorrectionList, HUMAN};
pub use error::{ErrorBody, codes};
pub use faces::{
    AssetFace, AssetFaceList, CreateFaceCollection, FaceAppearance, FaceAppearances, FaceCollection,
    FaceCollectionList, FaceImport, FaceMatch, FaceTraits, ImportedFace, IndexedFace, IndexedFaceList, MergePeople,
    MoveAppearance, NamePerson, PERSON, Person, PersonList, RefusedPhoto, Rename, UNNAMED_FACE, import_name,
    person_of_photo,
};
pub use health::Health;
pub use id::{AssetId, CorrectionId, JobId, NoteId, PersonId, ShareId, UploadId};
pub use job::{JobInfo, JobList};
pub use media::{AudioInfo, DocumentInfo, Frame, FrameSet, Gps, ImageInfo, IngestOutputs, Technical, VideoInfo};
pub use notes::{NewNote, Note, NoteList, Region};
pub use notify::{
    Deliveries, Delivery, NewNotifyTarget, Notice, NoticeAsset, NoticeKind, NotifyTarget, NotifyTargets, TargetKind,
    TestDelivery,
};
pub use options::{AiOptions, OptionError, Reanalyse};
pub use search::{SearchHit, SearchMatch, SearchResults};
pub use shares::{CreatedShare, NewShare, Share, ShareList, ShareView, ShareViewList, SharedMoment};
pub use stats::{DayCount, NameCount, Stats};
pub use upload::{
    CompleteUploadRequest, CompletedPart, CreateUploadRequest, PartPlan, PartUrl, PartUrls, PresignPartsRequest,
    RegisterAssetRequest, StoredPart, StoredParts, Upload, plan_parts,
};
pub use user::{Group, User};
