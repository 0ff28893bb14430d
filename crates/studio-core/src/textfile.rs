//! Text files a person hands in (series and settings JSON, episode outcomes, `config.toml`) are read through one
//! function, whatever tool saved them.
//!
//! - A UTF-8 byte-order mark (Windows Notepad, Excel, many editors) is skipped.
//! - UTF-16 with a byte-order mark (Notepad's "Unicode") is decoded: the mark says exactly what the bytes are.
//! - Any other text that is not UTF-8 is refused as bad input naming the file, with "save it as UTF-8". When the
//!   bytes read cleanly as CP949/EUC-KR (Korean Windows' legacy encoding) with Hangul in them, the message says so.
//!
//! Why CP949 is detected but not decoded: bytes that are not UTF-8 carry no label, and a wrong guess (Shift-JIS,
//! GBK, Latin-1 all decode "cleanly" too) would put plausible-looking mojibake into the story memory, where nothing
//! checks it again. Saving as UTF-8 is one step the person can take with the tool they used, and the message names
//! it. Decoding uses `encoding_rs` (the WHATWG Encoding Standard's decoders).

use std::path::Path;

use crate::CoreError;

/// The text of `path` (see the module doc).
///
/// # Errors
/// [`CoreError::Io`] when the file cannot be read; [`CoreError::Invalid`] (`invalid_input`, exit 2) naming the file
/// when it is not UTF-8 or UTF-16 with a byte-order mark.
pub fn read_text(path: &Path) -> Result<String, CoreError> {
    let bytes =
        std::fs::read(path).map_err(|e| CoreError::io(format!("reading {}", path.display()), e))?;
    decode_text(&bytes, path)
}

/// Like [`read_text`], but a file that does not exist is `None` (for files a person may edit that the studio
/// writes first, such as a package's `metadata.json`).
///
/// # Errors
/// As [`read_text`], except for a missing file.
pub fn read_text_if_present(path: &Path) -> Result<Option<String>, CoreError> {
    match std::fs::read(path) {
        Ok(bytes) => decode_text(&bytes, path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CoreError::io(format!("reading {}", path.display()), e)),
    }
}

/// Decodes the bytes of a file named `path` (only used in messages); see [`read_text`].
///
/// # Errors
/// [`CoreError::Invalid`] when the bytes are not UTF-8 (with or without a BOM) or UTF-16 with a BOM.
pub fn decode_text(bytes: &[u8], path: &Path) -> Result<String, CoreError> {
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom..]);
        if !had_errors {
            return Ok(text.into_owned());
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (korean, _, had_errors) = encoding_rs::EUC_KR.decode(bytes);
    let hint = if !had_errors && korean.chars().any(|c| ('가'..='힣').contains(&c)) {
        "it looks like CP949/EUC-KR (Korean Windows); "
    } else {
        ""
    };
    Err(CoreError::invalid(format!(
        "{}: the file is not UTF-8 text ({hint}save it as UTF-8 and try again)",
        path.display()
    )))
}

/// `text` without a leading byte-order mark (for text that arrives as a string, e.g. pasted or uploaded in the UI).
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_is_skipped_and_utf16_with_a_bom_is_read() {
        let p = Path::new("series.json");
        assert_eq!(
            decode_text(b"\xEF\xBB\xBF{\"a\":1}", p).unwrap(),
            "{\"a\":1}"
        );
        assert_eq!(
            decode_text("{\"제목\":1}".as_bytes(), p).unwrap(),
            "{\"제목\":1}"
        );
        let mut le = vec![0xFF, 0xFE];
        le.extend("{\"제목\":1}".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode_text(&le, p).unwrap(), "{\"제목\":1}");
        assert_eq!(strip_bom("\u{feff}x"), "x");
    }

    #[test]
    fn cp949_is_bad_input_that_says_save_as_utf8() {
        let (bytes, _, _) = encoding_rs::EUC_KR.encode("{\"title\": \"우리 사이\"}");
        let e = decode_text(&bytes, Path::new("/home/me/series.json")).unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.is_user_error());
        let m = e.to_string();
        assert!(m.contains("/home/me/series.json"), "{m}");
        assert!(m.contains("save it as UTF-8"), "{m}");
        assert!(m.contains("CP949"), "{m}");
        // Bytes that are not Korean either: no guess, the same advice.
        let e = decode_text(&[0x7B, 0xFF, 0xFE, 0x7D], Path::new("x.json")).unwrap_err();
        assert!(!e.to_string().contains("CP949"), "{e}");
        assert!(e.to_string().contains("save it as UTF-8"), "{e}");
    }
}
