//! Key/value settings and publishing channels.

use serde::{Serialize, de::DeserializeOwned};

use crate::{Store, StoreError};

impl Store {
    pub async fn set_setting<T: Serialize>(&self, key: &str, value: &T) -> Result<(), StoreError> {
        let json = serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
            what: format!("setting {key}"),
            detail: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO settings (key, value_json) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET \
             value_json = excluded.value_json, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        )
        .bind(key)
        .bind(json)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        let v: Option<String> = sqlx::query_scalar("SELECT value_json FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        v.map(|s| {
            serde_json::from_str(&s).map_err(|e| StoreError::Corrupt {
                what: format!("setting {key}"),
                detail: e.to_string(),
            })
        })
        .transpose()
    }

    /// Adds or updates a publishing channel.
    pub async fn upsert_channel(
        &self,
        id: &str,
        name: &str,
        youtube_channel_id: Option<&str>,
        settings: &serde_json::Value,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO channels (id, name, youtube_channel_id, settings_json) VALUES (?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, youtube_channel_id = excluded.youtube_channel_id, \
             settings_json = excluded.settings_json",
        )
        .bind(id)
        .bind(name)
        .bind(youtube_channel_id)
        .bind(settings.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn channels(&self) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, name, youtube_channel_id FROM channels ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
