//! Dotted paths into `results.json`: `val.segm.AP`, `tests."ochuman/val".occlusion.AP_H` (a segment holding a
//! dot or a slash is written in double quotes).

/// Splits a path into its segments.
pub fn parse(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        let mut seg = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => seg.push(c),
                    None => return Err("a quoted segment is not closed".into()),
                }
            }
            match chars.next() {
                None => {
                    out.push(seg);
                    return Ok(out);
                }
                Some('.') => {}
                Some(c) => return Err(format!("expected `.` after a quoted segment, found `{c}`")),
            }
        } else {
            loop {
                match chars.next() {
                    Some('.') => break,
                    Some('"') => return Err("a quote may only open a segment".into()),
                    Some(c) => seg.push(c),
                    None => {
                        if seg.is_empty() {
                            return Err("empty segment".into());
                        }
                        out.push(seg);
                        return Ok(out);
                    }
                }
            }
        }
        if seg.is_empty() {
            return Err("empty segment".into());
        }
        out.push(seg);
    }
}

/// The value at `path` in `v`, if every segment exists.
pub fn get<'a>(v: &'a serde_json::Value, path: &[String]) -> Option<&'a serde_json::Value> {
    let mut cur = v;
    for seg in path {
        cur = cur.get(seg.as_str())?;
    }
    Some(cur)
}

/// The number at `path` in `v`, if every segment exists and the value is a number.
pub fn lookup(v: &serde_json::Value, path: &[String]) -> Option<f64> {
    get(v, path)?.as_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_segments_keep_dots_and_slashes() {
        assert_eq!(parse("val.segm.AP").unwrap(), ["val", "segm", "AP"]);
        assert_eq!(parse(r#"tests."ochuman/val".occlusion.AP_H"#).unwrap(), ["tests", "ochuman/val", "occlusion", "AP_H"]);
        assert_eq!(parse(r#""a.b""#).unwrap(), ["a.b"]);
        assert!(parse("a..b").is_err());
        assert!(parse(r#"a."b"#).is_err());
        assert!(parse("a.").is_err());
        let v = serde_json::json!({"tests": {"ochuman/val": {"occlusion": {"AP_H": 0.25}}}, "x": "s"});
        assert_eq!(lookup(&v, &parse(r#"tests."ochuman/val".occlusion.AP_H"#).unwrap()), Some(0.25));
        assert_eq!(lookup(&v, &parse("x").unwrap()), None);
        assert_eq!(lookup(&v, &parse("y.z").unwrap()), None);
    }
}
