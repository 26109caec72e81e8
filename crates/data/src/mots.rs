//! MOTS tracking ground truth and results: the txt format (`frame id class_id height width rle`, one object
//! per line) and per-frame 16-bit id PNGs (pixel = class × 1000 + instance, 0 = background), both ways.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use crate::DataError;
use crate::mask::Rle;

/// The class id MOTS uses for ignore regions (object id 10000).
pub const IGNORE_CLASS: u32 = 10;

/// One object in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct MotsRow {
    /// Frame index as written in the file (0-based in KITTI MOTS, 1-based in MOTSChallenge).
    pub frame: u32,
    /// Object id `class × 1000 + instance` (10000 = ignore region).
    pub track_id: u32,
    /// Class column (normally `track_id / 1000`; 10 = ignore).
    pub class_id: u32,
    /// The mask.
    pub rle: Rle,
}

impl MotsRow {
    /// Instance number within the class (`track_id % 1000`).
    pub fn instance(&self) -> u32 {
        self.track_id % 1000
    }

    /// True for ignore regions (class 10).
    pub fn is_ignore(&self) -> bool {
        self.class_id == IGNORE_CLASS
    }
}

/// Parses MOTS txt text; errors name `path` and the 1-based line.
pub fn parse_mots_txt(text: &str, path: &Path) -> Result<Vec<MotsRow>, DataError> {
    let mut rows = Vec::new();
    let mut seen: HashMap<(u32, u32), usize> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let ln = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let what = format!("line {ln}");
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 6 {
            return Err(DataError::invalid(path, what, format!("6 fields `frame id class_id height width rle`, got {}", f.len())));
        }
        let num = |k: usize, name: &str| -> Result<u32, DataError> {
            f[k].parse::<u32>()
                .map_err(|_| DataError::invalid(path, format!("line {ln}"), format!("{name} as a non-negative integer, got {:?}", f[k])))
        };
        let (frame, track_id, class_id, h, w) = (num(0, "frame")?, num(1, "id")?, num(2, "class_id")?, num(3, "height")?, num(4, "width")?);
        let rle = Rle::from_compressed(h, w, f[5]).map_err(|source| DataError::Mask { path: path.into(), what: what.clone(), source })?;
        if let Some(prev) = seen.insert((frame, track_id), ln) {
            return Err(DataError::invalid(path, what, format!("each id at most once per frame (id {track_id} in frame {frame} already on line {prev})")));
        }
        rows.push(MotsRow { frame, track_id, class_id, rle });
    }
    Ok(rows)
}

/// Reads a MOTS txt file.
pub fn read_mots_txt(path: impl AsRef<Path>) -> Result<Vec<MotsRow>, DataError> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    parse_mots_txt(&text, path)
}

/// Formats rows as MOTS txt text.
pub fn format_mots_txt(rows: &[MotsRow]) -> String {
    let mut s = String::new();
    for r in rows {
        s.push_str(&format!("{} {} {} {} {} {}\n", r.frame, r.track_id, r.class_id, r.rle.h, r.rle.w, r.rle.to_compressed()));
    }
    s
}

/// Writes rows as a MOTS txt file (creating parent folders).
pub fn write_mots_txt(path: impl AsRef<Path>, rows: &[MotsRow]) -> Result<(), DataError> {
    let path = path.as_ref();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    }
    let mut f = std::fs::File::create(path).map_err(|e| DataError::io(path, e))?;
    f.write_all(format_mots_txt(rows).as_bytes()).map_err(|e| DataError::io(path, e))
}

/// Masks pairwise overlapping in one frame of `rows` (MOTS requires disjoint masks): `(frame, id_a, id_b)`.
pub fn overlaps(rows: &[MotsRow]) -> Vec<(u32, u32, u32)> {
    let mut by_frame: HashMap<u32, Vec<&MotsRow>> = HashMap::new();
    for r in rows {
        by_frame.entry(r.frame).or_default().push(r);
    }
    let mut out = Vec::new();
    for (f, rs) in by_frame {
        for i in 0..rs.len() {
            for j in i + 1..rs.len() {
                if rs[i].rle.intersection_area(&rs[j].rle) > 0 {
                    out.push((f, rs[i].track_id, rs[j].track_id));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Reads a per-frame id PNG (16-bit or 8-bit gray): one `(object id, mask)` per nonzero value, by id.
pub fn read_id_png(path: impl AsRef<Path>) -> Result<Vec<(u32, Rle)>, DataError> {
    let path = path.as_ref();
    let img = image::open(path).map_err(|e| DataError::Image { path: path.into(), msg: e.to_string() })?;
    let (w, h) = (img.width(), img.height());
    let ids: Vec<u32> = match img {
        image::DynamicImage::ImageLuma16(b) => b.into_raw().into_iter().map(u32::from).collect(),
        image::DynamicImage::ImageLuma8(b) => b.into_raw().into_iter().map(u32::from).collect(),
        other => {
            return Err(DataError::invalid(path, "pixel format", format!("a one-channel 8- or 16-bit id PNG, got {:?}", other.color())));
        }
    };
    let mut values: Vec<u32> = ids.iter().copied().filter(|&v| v != 0).collect();
    values.sort_unstable();
    values.dedup();
    Ok(values
        .into_iter()
        .map(|id| {
            let m: Vec<u8> = ids.iter().map(|&v| u8::from(v == id)).collect();
            (id, Rle::from_row_major(h, w, &m))
        })
        .collect())
}

/// Writes a 16-bit id PNG of `h × w` from `(object id, mask)` pairs. Ids must be 1..=65535, masks the
/// frame's size and disjoint (as MOTS requires).
pub fn write_id_png(path: impl AsRef<Path>, h: u32, w: u32, objects: &[(u32, &Rle)]) -> Result<(), DataError> {
    let path = path.as_ref();
    let mut buf = vec![0u16; h as usize * w as usize];
    for (id, rle) in objects {
        let what = format!("object id {id}");
        if *id == 0 || *id > u16::MAX as u32 {
            return Err(DataError::invalid(path, what, "an id in 1..=65535"));
        }
        if rle.h != h || rle.w != w {
            return Err(DataError::invalid(path, what, format!("a {h}x{w} mask, got {}x{}", rle.h, rle.w)));
        }
        for (p, &m) in rle.to_row_major().iter().enumerate() {
            if m != 0 {
                if buf[p] != 0 {
                    return Err(DataError::invalid(path, what, format!("masks disjoint from the others (overlaps id {})", buf[p])));
                }
                buf[p] = *id as u16;
            }
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
    }
    let img = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_raw(w, h, buf).expect("buffer holds h*w pixels");
    img.save(path).map_err(|e| DataError::Image { path: path.into(), msg: e.to_string() })
}
