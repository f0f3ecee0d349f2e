-- Settings an admin changes at run time (the analysis defaults), one JSON value a name;
-- the settings file's values apply where none is saved.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
