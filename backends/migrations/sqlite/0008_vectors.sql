-- Embeddings by space (faces of a collection, people, sentences), as little-endian f32s.
CREATE TABLE vectors (
    space TEXT NOT NULL,
    id TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (space, id)
);
-- One row per space: its vectors' length, and a generation bumped on every change so that
-- each process's copy in memory knows when to reload.
CREATE TABLE vector_spaces (
    space TEXT PRIMARY KEY,
    dimensions INTEGER NOT NULL,
    generation INTEGER NOT NULL
);
