//! Markdown tables in the paper's layout, built from result JSON files written by `trainer eval`.
//! Table III: sMOTSA | MOTSA | MOTSP | FPS (percent, one decimal). Table IV: AP | AP_M | AP_H (OCHuman).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{EvalError, Result};

fn read(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| EvalError::invalid(path, format!("line {}", e.line()), format!("JSON: {e}")))
}

fn field(v: &Value, path: &Path, keys: &[&str]) -> Result<f64> {
    let mut cur = v;
    for k in keys {
        cur = &cur[*k];
    }
    cur.as_f64().ok_or_else(|| EvalError::invalid(path, keys.join("."), "a number"))
}

fn pct(v: f64) -> String {
    format!("{:.1}", 100.0 * v)
}

/// One row of Table III: a method, its `trainer eval mots` JSON, and optionally an FPS JSON
/// (an [`crate::fps::FpsReport`]; `end_to_end_fps` is shown).
#[derive(Debug, Clone)]
pub struct Table3Row {
    /// Method name shown in the first column.
    pub method: String,
    /// MOTS result JSON (`combined` is used).
    pub mots_json: PathBuf,
    /// FPS JSON, if measured.
    pub fps_json: Option<PathBuf>,
}

/// Table III (HVIS): `| Method | sMOTSA | MOTSA | MOTSP | FPS |`.
pub fn table_iii(rows: &[Table3Row]) -> Result<String> {
    let mut s = String::from("| Method | sMOTSA | MOTSA | MOTSP | FPS |\n|---|---:|---:|---:|---:|\n");
    for r in rows {
        let v = read(&r.mots_json)?;
        let c = |k: &str| field(&v, &r.mots_json, &["combined", k]);
        let fps = match &r.fps_json {
            Some(p) => format!("{:.1}", field(&read(p)?, p, &["end_to_end_fps"])?),
            None => "–".to_string(),
        };
        s += &format!("| {} | {} | {} | {} | {} |\n", r.method, pct(c("sMOTSA")?), pct(c("MOTSA")?), pct(c("MOTSP")?), fps);
    }
    Ok(s)
}

/// One row of Table IV: a method and its `trainer eval ochuman` JSON; optionally a COCOPersons `trainer eval
/// coco` JSON, shown as a first "COCOPersons AP" column when any row has one.
#[derive(Debug, Clone)]
pub struct Table4Row {
    /// Method name.
    pub method: String,
    /// OCHuman result JSON (keys `AP`, `AP_M`, `AP_H`).
    pub ochuman_json: PathBuf,
    /// COCOPersons result JSON (`stats[0]`), if evaluated.
    pub coco_json: Option<PathBuf>,
}

/// Table IV: `| Method | AP | AP_M | AP_H |` (OCHuman), with a COCOPersons AP column when given.
pub fn table_iv(rows: &[Table4Row]) -> Result<String> {
    let with_coco = rows.iter().any(|r| r.coco_json.is_some());
    let mut s = if with_coco {
        String::from("| Method | COCOPersons AP | AP | AP_M | AP_H |\n|---|---:|---:|---:|---:|\n")
    } else {
        String::from("| Method | AP | AP_M | AP_H |\n|---|---:|---:|---:|\n")
    };
    for r in rows {
        let v = read(&r.ochuman_json)?;
        let o = |k: &str| field(&v, &r.ochuman_json, &[k]);
        let mut line = format!("| {} |", r.method);
        if with_coco {
            line += &match &r.coco_json {
                Some(p) => {
                    let c = read(p)?;
                    let ap = c["stats"][0].as_f64().ok_or_else(|| EvalError::invalid(p, "stats[0]", "a number"))?;
                    format!(" {} |", pct(ap))
                }
                None => " – |".to_string(),
            };
        }
        s += &format!("{line} {} | {} | {} |\n", pct(o("AP")?), pct(o("AP_M")?), pct(o("AP_H")?));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_from_json_files() {
        let dir = std::env::temp_dir().join(format!("eval-tables-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("m.json"), r#"{"combined": {"sMOTSA": 0.521, "MOTSA": 0.644, "MOTSP": 0.819}}"#).unwrap();
        std::fs::write(dir.join("f.json"), r#"{"end_to_end_fps": 30.04}"#).unwrap();
        std::fs::write(dir.join("o.json"), r#"{"AP": 0.298, "AP_M": 0.35, "AP_H": 0.2}"#).unwrap();
        let t3 = table_iii(&[Table3Row { method: "HVISNet".into(), mots_json: dir.join("m.json"), fps_json: Some(dir.join("f.json")) }]).unwrap();
        assert!(t3.contains("| HVISNet | 52.1 | 64.4 | 81.9 | 30.0 |"), "{t3}");
        let t4 = table_iv(&[Table4Row { method: "inner".into(), ochuman_json: dir.join("o.json"), coco_json: None }]).unwrap();
        assert!(t4.contains("| inner | 29.8 | 35.0 | 20.0 |"), "{t4}");
        let err = table_iii(&[Table3Row { method: "x".into(), mots_json: dir.join("o.json"), fps_json: None }]).unwrap_err();
        assert!(err.to_string().contains("combined.sMOTSA"), "{err}");
    }
}
