//! pycocotools' compressed counts string (`rleToString` / `rleFrString`): each run is stored as the
//! difference to the run two places back (from the fourth run on), in little-endian 5-bit groups with a
//! continuation bit, offset by ASCII '0'.

use super::MaskError;

/// Encodes run lengths as a pycocotools counts string.
pub fn encode(counts: &[u32]) -> String {
    let mut s = String::with_capacity(counts.len() * 2);
    for (i, &c) in counts.iter().enumerate() {
        let mut x = c as i64;
        if i > 2 {
            x -= counts[i - 2] as i64;
        }
        loop {
            let mut ch = (x & 0x1f) as u8;
            x >>= 5;
            let more = if ch & 0x10 != 0 { x != -1 } else { x != 0 };
            if more {
                ch |= 0x20;
            }
            s.push((ch + 48) as char);
            if !more {
                break;
            }
        }
    }
    s
}

/// Decodes a pycocotools counts string into run lengths. Rejects characters outside `'0'..='o'`, a string
/// that ends inside a run, and runs that decode to a negative or over-long value.
pub fn decode(s: &str) -> Result<Vec<u32>, MaskError> {
    let bytes = s.as_bytes();
    let mut counts: Vec<u32> = Vec::with_capacity(bytes.len());
    let mut p = 0usize;
    while p < bytes.len() {
        let mut x: i64 = 0;
        let mut k = 0u32;
        loop {
            let Some(&b) = bytes.get(p) else {
                return Err(MaskError::BadString { pos: p, why: "string ends inside a run (continuation bit set)" });
            };
            if !(48..=111).contains(&b) {
                return Err(MaskError::BadString { pos: p, why: "character outside '0'..='o'" });
            }
            if k >= 7 {
                return Err(MaskError::BadString { pos: p, why: "run longer than 7 characters (over 32 bits)" });
            }
            let c = (b - 48) as i64;
            x |= (c & 0x1f) << (5 * k);
            p += 1;
            k += 1;
            if c & 0x20 == 0 {
                if c & 0x10 != 0 {
                    x |= -1i64 << (5 * k);
                }
                break;
            }
        }
        let m = counts.len();
        if m > 2 {
            x += counts[m - 2] as i64;
        }
        if !(0..=u32::MAX as i64).contains(&x) {
            return Err(MaskError::BadString { pos: p, why: "run decodes to a negative or over-long length" });
        }
        counts.push(x as u32);
    }
    Ok(counts)
}
