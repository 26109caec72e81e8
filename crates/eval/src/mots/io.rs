//! Reads MOTS ground truth and predictions from disk into [`SequenceOverlaps`], validating them.
//!
//! Layouts (detected per sequence, ground truth first):
//! - MOTSChallenge: `GT/SEQ/gt/gt.txt` (+ `GT/SEQ/seqinfo.ini` for the length), 1-based frames;
//! - KITTI MOTS: `GT/label_02/SEQ.txt`, `GT/instances_txt/SEQ.txt` or `GT/SEQ.txt`, 0-based frames;
//! - id PNGs: `GT/SEQ/*.png` (pixel = class·1000 + instance), frame = position in name order.
//!
//! Predictions: `PRED/SEQ.txt`, `PRED/data/SEQ.txt` (same frame base as the ground truth) or `PRED/SEQ/*.png`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use data::mask::{Rle, iou};
use data::mots::{IGNORE_CLASS, MotsRow};

use super::frames::{FrameOverlaps, SequenceOverlaps};
use crate::error::{EvalError, Result};

/// One object with where it came from (for error messages).
#[derive(Debug, Clone)]
pub struct Located {
    /// The parsed row; `frame` is already 0-based.
    pub row: MotsRow,
    /// The file.
    pub path: PathBuf,
    /// "line N" or "pixel value V".
    pub what: String,
}

/// A sequence read from disk: its length, frame size (when known) and objects.
#[derive(Debug, Clone)]
pub struct SeqFiles {
    /// Sequence name.
    pub name: String,
    /// Number of timesteps (0-based frames `0..len`).
    pub len: usize,
    /// Ground-truth objects (all classes, ignore regions included), file order.
    pub gt: Vec<Located>,
    /// Predicted objects, file order.
    pub pred: Vec<Located>,
}

/// Sequences named by a seqmap: KITTI lines `SEQ empty START END` (length END+1) or MOTChallenge lines (a
/// `name` header, then one name per line). Returns names with the length when the file gives one.
pub fn read_seqmap(path: &Path) -> Result<Vec<(String, Option<usize>)>> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() || (i == 0 && f[0] == "name") {
            continue;
        }
        match f.len() {
            1 => out.push((f[0].to_string(), None)),
            4 => {
                let end: usize = f[3].parse().map_err(|_| {
                    EvalError::invalid(path, format!("line {}", i + 1), "`SEQ empty START END` with an integer END")
                })?;
                let name = f[0].parse::<u32>().map(|n| format!("{n:04}")).unwrap_or_else(|_| f[0].to_string());
                out.push((name, Some(end + 1)));
            }
            n => {
                return Err(EvalError::invalid(
                    path,
                    format!("line {}", i + 1),
                    format!("a sequence name or `SEQ empty START END`, got {n} fields"),
                ));
            }
        }
    }
    Ok(out)
}

/// Lists the sequences of a ground-truth folder (any of the layouts), sorted by name.
pub fn discover_sequences(gt: &Path) -> Result<Vec<String>> {
    let sub = [gt.join("label_02"), gt.join("instances_txt")].into_iter().find(|d| d.is_dir());
    let dir = sub.clone().unwrap_or_else(|| gt.to_path_buf());
    let mut names = Vec::new();
    for e in std::fs::read_dir(&dir).map_err(|e| EvalError::io(&dir, e))?.flatten() {
        let p = e.path();
        let stem = p.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let is_txt = p.extension().is_some_and(|x| x == "txt");
        if is_txt || (sub.is_none() && p.is_dir()) {
            names.push(stem);
        }
    }
    names.sort();
    names.dedup();
    if names.is_empty() {
        return Err(EvalError::invalid(gt, "ground-truth folder", "MOTS sequences (SEQ/gt/gt.txt, label_02/SEQ.txt, SEQ.txt or SEQ/*.png)"));
    }
    Ok(names)
}

/// Reads a MOTS txt file, keeping 1-based line numbers and shifting frames by `-base`.
fn read_txt(path: &Path, base: u32) -> Result<Vec<Located>> {
    let text = std::fs::read_to_string(path).map_err(|e| EvalError::io(path, e))?;
    let rows = data::mots::parse_mots_txt(&text, path)?;
    let lines: Vec<usize> =
        text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, _)| i + 1).collect();
    rows.into_iter()
        .zip(lines)
        .map(|(mut row, ln)| {
            if row.frame < base {
                return Err(EvalError::invalid(path, format!("line {ln}"), format!("frame >= {base} (frames are {base}-based here)")));
            }
            row.frame -= base;
            Ok(Located { row, path: path.to_path_buf(), what: format!("line {ln}") })
        })
        .collect()
}

/// Reads an id-PNG folder: one PNG per frame in name order.
fn read_png_dir(dir: &Path) -> Result<(Vec<Located>, usize)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| EvalError::io(dir, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("png")))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for (f, p) in files.iter().enumerate() {
        for (id, rle) in data::mots::read_id_png(p)? {
            let row = MotsRow { frame: f as u32, track_id: id, class_id: id / 1000, rle };
            out.push(Located { row, path: p.clone(), what: format!("pixel value {id}") });
        }
    }
    Ok((out, files.len()))
}

/// `seqLength` (and image size) from a MOTSChallenge `seqinfo.ini`.
fn read_seqinfo(path: &Path) -> Result<Option<usize>> {
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(None) };
    for (i, line) in text.lines().enumerate() {
        if let Some(v) = line.trim().strip_prefix("seqLength=") {
            let n = v.trim().parse().map_err(|_| EvalError::invalid(path, format!("line {}", i + 1), "an integer seqLength"))?;
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// Loads one sequence from the ground-truth and prediction folders; `len` (from a seqmap) overrides the length.
pub fn load_sequence(gt: &Path, pred: &Path, name: &str, len: Option<usize>) -> Result<SeqFiles> {
    let mc = gt.join(name).join("gt").join("gt.txt");
    let kitti = [gt.join("label_02").join(format!("{name}.txt")), gt.join("instances_txt").join(format!("{name}.txt")), gt.join(format!("{name}.txt"))];
    let png = gt.join(name);
    let (gt_rows, base, known_len) = if mc.is_file() {
        (read_txt(&mc, 1)?, 1, read_seqinfo(&gt.join(name).join("seqinfo.ini"))?)
    } else if let Some(k) = kitti.iter().find(|p| p.is_file()) {
        (read_txt(k, 0)?, 0, None)
    } else if png.is_dir() {
        let (rows, n) = read_png_dir(&png)?;
        (rows, 0, Some(n))
    } else {
        return Err(EvalError::invalid(gt, format!("sequence {name}"), format!("{} or {} or a PNG folder {}", mc.display(), kitti[0].display(), png.display())));
    };
    let pred_txt = [pred.join(format!("{name}.txt")), pred.join("data").join(format!("{name}.txt"))];
    let pred_rows = if let Some(p) = pred_txt.iter().find(|p| p.is_file()) {
        read_txt(p, base)?
    } else if pred.join(name).is_dir() {
        read_png_dir(&pred.join(name))?.0
    } else {
        return Err(EvalError::invalid(pred, format!("sequence {name}"), format!("predictions {} or a PNG folder {}", pred_txt[0].display(), pred.join(name).display())));
    };
    let len = len.or(known_len).unwrap_or_else(|| {
        gt_rows.iter().chain(&pred_rows).map(|o| o.row.frame as usize + 1).max().unwrap_or(0)
    });
    let seq = SeqFiles { name: name.to_string(), len, gt: gt_rows, pred: pred_rows };
    validate(&seq)?;
    Ok(seq)
}

/// Checks frames within the length, one frame size per sequence, and disjoint masks per frame (ground truth
/// together with ignore regions; predictions separately), as both reference tools require.
pub fn validate(seq: &SeqFiles) -> Result<()> {
    let size = seq.gt.first().or(seq.pred.first()).map(|o| (o.row.rle.h, o.row.rle.w));
    for o in seq.gt.iter().chain(&seq.pred) {
        if o.row.frame as usize >= seq.len {
            return Err(EvalError::invalid(&o.path, &o.what, format!("a frame below the sequence length {} of {} (got frame index {})", seq.len, seq.name, o.row.frame)));
        }
        if Some((o.row.rle.h, o.row.rle.w)) != size {
            let (h, w) = size.unwrap_or_default();
            return Err(EvalError::invalid(&o.path, &o.what, format!("a {h}x{w} mask like the rest of {} (got {}x{})", seq.name, o.row.rle.h, o.row.rle.w)));
        }
    }
    for objs in [&seq.gt, &seq.pred] {
        let mut by_frame: HashMap<u32, Vec<&Located>> = HashMap::new();
        for o in objs.iter() {
            by_frame.entry(o.row.frame).or_default().push(o);
        }
        for rs in by_frame.values() {
            for j in 1..rs.len() {
                for i in 0..j {
                    if rs[i].row.rle.intersection_area(&rs[j].row.rle) > 0 {
                        return Err(EvalError::invalid(&rs[j].path, &rs[j].what, format!("a mask disjoint from the others in its frame (id {} overlaps id {} on {})", rs[j].row.track_id, rs[i].row.track_id, rs[i].what)));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Builds the metric input for one class (`class_id`; ignore regions are class 10).
pub fn overlaps(seq: &SeqFiles, class_id: u32) -> SequenceOverlaps {
    let mut gt: Vec<Vec<&MotsRow>> = vec![Vec::new(); seq.len];
    let mut ign: Vec<Vec<Rle>> = vec![Vec::new(); seq.len];
    let mut tr: Vec<Vec<&MotsRow>> = vec![Vec::new(); seq.len];
    let mut order = Vec::new();
    let mut seen = vec![false; seq.len];
    for o in &seq.gt {
        let f = o.row.frame as usize;
        if !seen[f] {
            seen[f] = true;
            order.push(f);
        }
        if o.row.class_id == IGNORE_CLASS {
            ign[f].push(o.row.rle.clone());
        } else if o.row.class_id == class_id {
            gt[f].push(&o.row);
        }
    }
    for o in &seq.pred {
        if o.row.class_id == class_id {
            tr[o.row.frame as usize].push(&o.row);
        }
    }
    use rayon::prelude::*;
    let frames = (0..seq.len)
        .into_par_iter()
        .map(|f| {
            let g: Vec<Rle> = gt[f].iter().map(|r| r.rle.clone()).collect();
            let t: Vec<Rle> = tr[f].iter().map(|r| r.rle.clone()).collect();
            let m = iou(&g, &t, &vec![false; t.len()]);
            let ioa = if ign[f].is_empty() || t.is_empty() {
                vec![0.0; t.len()]
            } else {
                let region = Rle::merge(&ign[f], false);
                iou(&t, &[region], &[true]).into_iter().map(|r| r[0].max(0.0)).collect()
            };
            FrameOverlaps {
                gt_ids: gt[f].iter().map(|r| u64::from(r.track_id)).collect(),
                tr_ids: tr[f].iter().map(|r| u64::from(r.track_id)).collect(),
                iou: m.into_iter().flatten().collect(),
                tr_ignore_ioa: ioa,
            }
        })
        .collect();
    SequenceOverlaps { name: seq.name.clone(), frames, gt_frame_order: order }
}

/// Loads every sequence (from the seqmap, else discovered) and builds the metric input for `class_id`.
pub fn load(gt: &Path, pred: &Path, seqmap: Option<&Path>, class_id: u32) -> Result<Vec<SequenceOverlaps>> {
    let seqs: Vec<(String, Option<usize>)> = match seqmap {
        Some(m) => read_seqmap(m)?,
        None => discover_sequences(gt)?.into_iter().map(|n| (n, None)).collect(),
    };
    seqs.iter()
        .map(|(name, len)| Ok(overlaps(&load_sequence(gt, pred, name, *len)?, class_id)))
        .collect()
}
