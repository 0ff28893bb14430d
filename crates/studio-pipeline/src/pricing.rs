//! Prices from `assets/pricing.toml` (embedded; a data dir copy can override later).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::writer::Usage;

pub const PRICING_TOML: &str = include_str!("../../../assets/pricing.toml");

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TokenPrice {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct CharPrice {
    pub per_1k_chars: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct VideoPrice {
    pub base_5s: f64,
    pub per_extra_second: f64,
}

/// An image model's price: per started megapixel (FLUX schnell/dev), or a flat price per image (FLUX Kontext).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ImagePrice {
    #[serde(default)]
    pub per_megapixel: f64,
    #[serde(default)]
    pub per_image: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct AvatarPrice {
    pub per_30s: f64,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Pricing {
    pub version: u32,
    #[serde(default)]
    pub llm: BTreeMap<String, TokenPrice>,
    /// Voices: USD per 1000 billed characters, by provider name.
    #[serde(default)]
    pub tts: BTreeMap<String, CharPrice>,
    /// Video models: USD for the first 5 s plus per extra second.
    #[serde(default)]
    pub video: BTreeMap<String, VideoPrice>,
    /// Image models: USD per (started) megapixel.
    #[serde(default)]
    pub image: BTreeMap<String, ImagePrice>,
    /// Avatar providers: USD per started 30 s.
    #[serde(default)]
    pub avatar: BTreeMap<String, AvatarPrice>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LlmCost {
    pub usd: f64,
    /// False when the model has no price in the file (the cost is then 0 and says so).
    pub priced: bool,
}

impl Pricing {
    pub fn parse(text: &str) -> Result<Pricing, String> {
        toml::from_str(text).map_err(|e| format!("pricing.toml: {e}"))
    }

    pub fn bundled() -> Pricing {
        // The bundled file is checked by a unit test; an empty table is the safe fallback.
        Self::parse(PRICING_TOML).unwrap_or(Pricing {
            version: 1,
            llm: BTreeMap::new(),
            tts: BTreeMap::new(),
            video: BTreeMap::new(),
            image: BTreeMap::new(),
            avatar: BTreeMap::new(),
        })
    }

    pub fn llm_price(&self, model: &str) -> Option<&TokenPrice> {
        if let Some(p) = self.llm.get(model) {
            return Some(p);
        }
        self.llm
            .iter()
            .filter(|(k, _)| model.starts_with(k.as_str()))
            .max_by_key(|(k, _)| k.len())
            .map(|(_, p)| p)
    }

    /// A voiced line's cost: billed characters × the provider's price (0 when unpriced or offline).
    pub fn tts_cost(&self, provider: studio_domain::TtsProvider, characters: u64) -> f64 {
        self.tts
            .get(&provider.to_string())
            .map(|p| characters as f64 / 1000.0 * p.per_1k_chars)
            .unwrap_or(0.0)
    }

    /// A video clip of `seconds` (5 or 10 for Kling) on `model`; `None` when the model has no price.
    pub fn video_cost(&self, model: &str, seconds: u32) -> Option<f64> {
        self.video
            .get(model)
            .map(|p| p.base_5s + p.per_extra_second * seconds.saturating_sub(5) as f64)
    }

    /// A still of `width`×`height` on `model`: per started megapixel plus the flat price per image.
    pub fn image_cost(&self, model: &str, width: u32, height: u32) -> Option<f64> {
        self.image
            .get(model)
            .map(|p| ((width as f64 * height as f64) / 1e6).ceil() * p.per_megapixel + p.per_image)
    }

    /// An avatar clip of `seconds`, priced per started 30 s.
    pub fn avatar_cost(&self, provider: &str, seconds: f64) -> Option<f64> {
        self.avatar
            .get(provider)
            .map(|p| (seconds / 30.0).ceil().max(1.0) * p.per_30s)
    }

    pub fn llm_cost(&self, usage: &Usage) -> LlmCost {
        match self.llm_price(&usage.model) {
            Some(p) => LlmCost {
                usd: usage.input_tokens as f64 / 1e6 * p.input_per_mtok
                    + usage.output_tokens as f64 / 1e6 * p.output_per_mtok,
                priced: true,
            },
            None => LlmCost {
                usd: 0.0,
                priced: false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_prices_parse_and_match_by_prefix() {
        let p = Pricing::parse(PRICING_TOML).unwrap();
        assert!(p.llm.len() >= 5);
        let u = Usage {
            provider: "openai".into(),
            model: "gpt-4o-2024-08-06".into(),
            input_tokens: 1_000_000,
            output_tokens: 100_000,
        };
        let c = p.llm_cost(&u);
        assert!(c.priced);
        assert!((c.usd - 3.5).abs() < 1e-9, "{c:?}");
        let mini = Usage {
            model: "gpt-4o-mini-2024-07-18".into(),
            ..u.clone()
        };
        assert!(
            (p.llm_cost(&mini).usd - 0.21).abs() < 1e-9,
            "longest prefix wins"
        );
        let local = Usage {
            model: "qwen2.5:7b".into(),
            ..u
        };
        assert_eq!(
            p.llm_cost(&local),
            LlmCost {
                usd: 0.0,
                priced: false
            }
        );
    }
}
