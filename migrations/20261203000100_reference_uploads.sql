-- Reference images (a character's, the series' style image) put on a provider's storage so that model inputs name
-- them by URL: one upload per file content and provider, reused until it nears the lifetime asked for it.
CREATE TABLE reference_uploads (
    sha256 TEXT NOT NULL,
    provider TEXT NOT NULL,
    url TEXT NOT NULL,
    uploaded_ms INTEGER NOT NULL,
    PRIMARY KEY (sha256, provider)
);
