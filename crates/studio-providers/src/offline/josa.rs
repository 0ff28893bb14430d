//! Korean particles that depend on the preceding syllable (이/가, 은/는, 을/를, 과/와, 으로/로): template text is
//! written with one form, and this picks the right one after names and for explicit "이(가)" markers.

fn has_batchim(c: char) -> Option<bool> {
    let u = c as u32;
    (0xAC00..=0xD7A3)
        .contains(&u)
        .then(|| !(u - 0xAC00).is_multiple_of(28))
}

/// (with final consonant, without)
const PAIRS: &[(&str, &str)] = &[
    ("이", "가"),
    ("은", "는"),
    ("을", "를"),
    ("과", "와"),
    ("아", "야"),
];

fn boundary(rest: &str) -> bool {
    rest.chars()
        .next()
        .is_none_or(|c| c.is_whitespace() || c.is_ascii_punctuation() || "…·,.?!\"'".contains(c))
}

/// Fixes particles after each of `names`, and resolves "이(가)"-style markers after any Hangul syllable.
pub fn fix(text: &str, names: &[String]) -> String {
    let mut s = text.to_string();
    // Explicit markers: X(Y) right after a syllable.
    for (with, without) in PAIRS {
        for marker in [format!("{with}({without})"), format!("{without}({with})")] {
            while let Some(pos) = s.find(&marker) {
                let prev = s[..pos].chars().next_back();
                let pick = match prev.and_then(has_batchim) {
                    Some(true) => *with,
                    Some(false) => *without,
                    None => *with,
                };
                s.replace_range(pos..pos + marker.len(), pick);
            }
        }
    }
    for name in names {
        let Some(last) = name.chars().next_back() else {
            continue;
        };
        let Some(batchim) = has_batchim(last) else {
            continue;
        };
        for (with, without) in PAIRS {
            let (right, wrong) = if batchim {
                (*with, *without)
            } else {
                (*without, *with)
            };
            let bad = format!("{name}{wrong}");
            let mut from = 0;
            while let Some(off) = s[from..].find(&bad) {
                let pos = from + off;
                let end = pos + bad.len();
                if boundary(&s[end..]) {
                    s.replace_range(pos..end, &format!("{name}{right}"));
                    from = pos + name.len() + right.len();
                } else {
                    from = end;
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_follow_the_last_syllable() {
        let names = vec![
            "강정숙".to_string(),
            "최규민".to_string(),
            "박도윤".to_string(),
            "이하늘".to_string(),
        ];
        assert_eq!(fix("강정숙가 웃는다", &names), "강정숙이 웃는다");
        assert_eq!(fix("이하늘이 웃는다", &names), "이하늘이 웃는다");
        assert_eq!(
            fix("최규민와 강정숙의 대화", &names),
            "최규민과 강정숙의 대화"
        );
        assert_eq!(
            fix("박도윤는 이하늘를 본다", &names),
            "박도윤은 이하늘을 본다"
        );
        assert_eq!(
            fix("비밀이(가) 풀리고 하루이(가) 간다", &[]),
            "비밀이 풀리고 하루가 간다"
        );
        assert_eq!(
            fix("강정숙가족", &names),
            "강정숙가족",
            "not a particle: no boundary"
        );
        assert_eq!(fix("하늘와(과) 바다", &[]), "하늘과 바다");
    }
}
