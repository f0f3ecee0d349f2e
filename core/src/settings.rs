//! Settings an admin changes while Mediaport runs, saved in the catalog so that every
//! server and worker reads the same: the analysis defaults for new assets.

use mediaport_shared::{AiOptions, OptionError};

use crate::error::{ErrorKind, ServiceError};
use crate::ports::catalog::{Catalog, CatalogError};

/// The catalog's name for the saved analysis defaults.
const AI_OPTIONS: &str = "ai_options";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Invalid(OptionError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl ServiceError for SettingsError {
    fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid-ai-options",
            Self::Catalog(err) => err.code(),
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::Invalid(_) => ErrorKind::Invalid,
            Self::Catalog(err) => err.kind(),
        }
    }
}

/// The analysis defaults an admin saved (empty when none were): laid over the settings
/// file's, under each asset's own options.
pub async fn saved_ai_options(catalog: &dyn Catalog) -> Result<AiOptions, CatalogError> {
    Ok(catalog.setting(AI_OPTIONS).await?.map(|text| AiOptions::from_stored(&text)).unwrap_or_default())
}

/// Saves the analysis defaults for new assets, replacing those saved before.
pub async fn save_ai_options(catalog: &dyn Catalog, options: &AiOptions) -> Result<(), SettingsError> {
    options.check().map_err(SettingsError::Invalid)?;
    let text = serde_json::to_string(options).map_err(|e| CatalogError::Other(e.to_string()))?;
    catalog.save_setting(AI_OPTIONS, &text).await?;
    Ok(())
}
