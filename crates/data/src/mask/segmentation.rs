//! The JSON forms a COCO-family `segmentation` takes: polygons, uncompressed RLE or compressed RLE.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Value, json};

use super::{MaskError, Rle};

/// A segmentation as stored in COCO / YouTube-VIS / OCHuman JSON. Deserialises all three forms; a `size`
/// written as a string such as `"[864, 900]"` (an OCHuman quirk) is accepted too.
#[derive(Debug, Clone, PartialEq)]
pub enum Segmentation {
    /// One or more flat polygons `[[x0, y0, x1, y1, ...], ...]`, pixel-corner coordinates.
    Polygons(Vec<Vec<f64>>),
    /// `{"size": [h, w], "counts": [runs...]}`.
    Uncompressed {
        /// `[height, width]`.
        size: [u32; 2],
        /// Column-major run lengths, background first.
        counts: Vec<u32>,
    },
    /// `{"size": [h, w], "counts": "compressed string"}`.
    Compressed {
        /// `[height, width]`.
        size: [u32; 2],
        /// pycocotools compressed counts string.
        counts: String,
    },
}

impl Segmentation {
    /// The compressed-RLE form of a mask (what result files and our writers emit).
    pub fn from_rle(rle: &Rle) -> Segmentation {
        Segmentation::Compressed { size: [rle.h, rle.w], counts: rle.to_compressed() }
    }

    /// Decodes to an RLE for an image of `h × w` (pycocotools `annToRLE`): polygons are rasterised and
    /// unioned; RLE forms must carry the same size as the image.
    pub fn to_rle(&self, h: u32, w: u32) -> Result<Rle, MaskError> {
        match self {
            Segmentation::Polygons(p) => Rle::from_polygons(p, h, w),
            Segmentation::Uncompressed { size, counts } => {
                check_size(*size, h, w)?;
                Rle::from_counts(size[0], size[1], counts.clone())
            }
            Segmentation::Compressed { size, counts } => {
                check_size(*size, h, w)?;
                Rle::from_compressed(size[0], size[1], counts)
            }
        }
    }

    /// Decodes an RLE form on its own size; polygons need an image size and give an error here.
    pub fn rle_own_size(&self) -> Result<Rle, MaskError> {
        match self {
            Segmentation::Polygons(_) => Err(MaskError::NeedsImageSize),
            Segmentation::Uncompressed { size, .. } | Segmentation::Compressed { size, .. } => {
                self.to_rle(size[0], size[1])
            }
        }
    }

    /// Reads a segmentation from a JSON value, with a message saying what was expected.
    pub fn from_value(v: &Value) -> Result<Segmentation, String> {
        match v {
            Value::Array(items) => {
                let mut polys = Vec::with_capacity(items.len());
                for (i, p) in items.iter().enumerate() {
                    let Value::Array(coords) = p else {
                        return Err(format!("polygon {i} is not a list of numbers"));
                    };
                    let mut out = Vec::with_capacity(coords.len());
                    for c in coords {
                        out.push(c.as_f64().ok_or_else(|| format!("polygon {i} holds a non-number {c}"))?);
                    }
                    polys.push(out);
                }
                Ok(Segmentation::Polygons(polys))
            }
            Value::Object(map) => {
                let size = parse_size(map.get("size").ok_or("RLE without \"size\"")?)?;
                match map.get("counts").ok_or("RLE without \"counts\"")? {
                    Value::String(s) => Ok(Segmentation::Compressed { size, counts: s.clone() }),
                    Value::Array(a) => {
                        let mut counts = Vec::with_capacity(a.len());
                        for c in a {
                            let n = c.as_u64().filter(|&n| n <= u32::MAX as u64);
                            counts.push(n.ok_or_else(|| format!("RLE counts hold {c}, expected a run length"))? as u32);
                        }
                        Ok(Segmentation::Uncompressed { size, counts })
                    }
                    other => Err(format!("RLE counts is {other}, expected a string or a list")),
                }
            }
            other => Err(format!("segmentation is {}, expected polygons or an RLE object", kind(other))),
        }
    }

    /// The JSON value of this segmentation (`size` always as a list).
    pub fn to_value(&self) -> Value {
        match self {
            Segmentation::Polygons(p) => json!(p),
            Segmentation::Uncompressed { size, counts } => json!({"size": size, "counts": counts}),
            Segmentation::Compressed { size, counts } => json!({"size": size, "counts": counts}),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn parse_size(v: &Value) -> Result<[u32; 2], String> {
    let parsed;
    let v = match v {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|_| format!("RLE size {s:?} is not a [h, w] list"))?;
            &parsed
        }
        other => other,
    };
    let a = v.as_array().filter(|a| a.len() == 2).ok_or_else(|| format!("RLE size {v} is not [h, w]"))?;
    let dim = |x: &Value| x.as_u64().filter(|&n| n <= u32::MAX as u64).map(|n| n as u32);
    match (dim(&a[0]), dim(&a[1])) {
        (Some(h), Some(w)) => Ok([h, w]),
        _ => Err(format!("RLE size {v} is not two non-negative integers")),
    }
}

fn check_size(size: [u32; 2], h: u32, w: u32) -> Result<(), MaskError> {
    if size != [h, w] {
        return Err(MaskError::SizeMismatch { rle: size, image: [h, w] });
    }
    Ok(())
}

impl<'de> Deserialize<'de> for Segmentation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Segmentation::from_value(&v).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Segmentation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}
