-- Embeddings by space (faces of a collection, people, sentences), as little-endian f32s.
CREATE TABLE vectors (
    space TEXT NOT NULL,
    id TEXT NOT NULL,
    vector BYTEA NOT NULL,
    PRIMARY KEY (space, id)
);
-- One row per space: its vectors' length, and a generation bumped on every change so that
-- each process's copy in memory knows when to reload.
CREATE TABLE vector_spaces (
    space TEXT PRIMARY KEY,
    dimensions BIGINT NOT NULL,
    generation BIGINT NOT NULL
);
