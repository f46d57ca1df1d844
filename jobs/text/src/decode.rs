//! The text of a plain-text resume, as the API accepts it and the workers read it: UTF-8 (a
//! BOM allowed), or GB18030 — which covers GBK and GB2312, how Windows in China saves text —
//! when the bytes decode cleanly as it and read as Chinese.

use std::borrow::Cow;

/// The decoded text, or `None` when the bytes are neither.
pub fn decode(bytes: &[u8]) -> Option<Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(Cow::Borrowed(text));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return None;
    }
    // Almost any bytes without errors would still make some text: it must read as Chinese.
    let wide: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
    let chinese = wide.iter().filter(|c| is_chinese(**c)).count();
    (chinese * 10 >= wide.len() * 9).then_some(text)
}

/// A CJK unified ideograph: the characters Chinese text is written in.
pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Han, or the punctuation Chinese text uses.
fn is_chinese(c: char) -> bool {
    is_han(c)
        || matches!(c, '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}' | '\u{2014}' | '\u{2018}'..='\u{201d}' | '\u{2026}' | '\u{00b7}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_gbk_decode_and_binary_does_not() {
        assert_eq!(decode("简历 CV".as_bytes()).as_deref(), Some("简历 CV"));
        let (gbk, _, _) = encoding_rs::GBK.encode("张伟\r\n软件工程师，熟悉 Rust。");
        assert_eq!(
            decode(&gbk).as_deref(),
            Some("张伟\r\n软件工程师，熟悉 Rust。")
        );
        assert_eq!(
            decode(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]),
            None
        );
        assert_eq!(
            decode(&[0xc4, 0xe3, 0x80]),
            None,
            "a lone 0x80 is not GB18030"
        );
    }
}
