//! A TensorBoard event-file writer: scalars and PNG images, the TFRecord framing and the three protobuf
//! messages (`Event`, `Summary`, `Summary.Image`) encoded by hand.
//!
//! Written here rather than taken from `tensorboard-rs`, which pulls `image` 0.23 and `protobuf` 2 into the tree
//! and leaves most summary kinds unimplemented; the format is small and is checked against TensorBoard's own
//! reader in the tests.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Appends events to `events.out.tfevents.<time>.<host>` in a run folder.
pub struct EventWriter {
    path: PathBuf,
    out: BufWriter<File>,
}

impl EventWriter {
    /// Creates a new event file in `dir` and writes the version record TensorBoard expects first.
    pub fn create(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "localhost".into());
        let mut path = dir.join(format!("events.out.tfevents.{}.{host}", now.as_secs()));
        // A resumed run may start within the same second: never truncate an earlier file.
        let mut k = 1;
        while path.exists() {
            path = dir.join(format!("events.out.tfevents.{}.{host}.{k}", now.as_secs()));
            k += 1;
        }
        let out = BufWriter::new(File::create(&path)?);
        let mut w = Self { path, out };
        let mut event = event_header(wall_time(), 0);
        put_bytes(&mut event, 3, b"brain.Event:2");
        w.write_record(&event)?;
        Ok(w)
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Logs one scalar under `tag` at `step`.
    pub fn scalar(&mut self, tag: &str, step: u64, value: f32) -> std::io::Result<()> {
        let mut v = Vec::new();
        put_bytes(&mut v, 1, tag.as_bytes());
        v.push(0x15); // field 2, fixed32: simple_value
        v.extend_from_slice(&value.to_le_bytes());
        self.summary(step, &v)
    }

    /// Logs an RGB image (PNG-encoded) under `tag` at `step`.
    pub fn image(&mut self, tag: &str, step: u64, image: &image::RgbImage) -> std::io::Result<()> {
        let mut png = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        let mut img = Vec::new();
        put_varint_field(&mut img, 1, image.height() as u64);
        put_varint_field(&mut img, 2, image.width() as u64);
        put_varint_field(&mut img, 3, 3); // colorspace: RGB
        put_bytes(&mut img, 4, &png);
        let mut v = Vec::new();
        put_bytes(&mut v, 1, tag.as_bytes());
        put_bytes(&mut v, 4, &img);
        self.summary(step, &v)
    }

    /// Pushes buffered events to disk.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    fn summary(&mut self, step: u64, value: &[u8]) -> std::io::Result<()> {
        let mut summary = Vec::new();
        put_bytes(&mut summary, 1, value);
        let mut event = event_header(wall_time(), step);
        put_bytes(&mut event, 5, &summary);
        self.write_record(&event)
    }

    fn write_record(&mut self, data: &[u8]) -> std::io::Result<()> {
        let len = (data.len() as u64).to_le_bytes();
        self.out.write_all(&len)?;
        self.out.write_all(&masked_crc(&len).to_le_bytes())?;
        self.out.write_all(data)?;
        self.out.write_all(&masked_crc(data).to_le_bytes())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn event_header(wall_time: f64, step: u64) -> Vec<u8> {
    let mut e = vec![0x09]; // field 1, fixed64: wall_time
    e.extend_from_slice(&wall_time.to_le_bytes());
    put_varint_field(&mut e, 2, step);
    e
}

/// TFRecord's CRC: CRC-32C, rotated right by 15 and offset.
fn masked_crc(data: &[u8]) -> u32 {
    let crc = crc32c::crc32c(data);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_varint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    put_varint(out, (field as u64) << 3);
    put_varint(out, v);
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_varint(out, ((field as u64) << 3) | 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_crc_matches_tensorflow() {
        // TensorFlow's masked CRC of the 8-byte little-endian length 0 (checked against tf's crc32c.Mask).
        assert_eq!(crc32c::crc32c(b"123456789"), 0xe306_9283, "CRC-32C check value");
        assert_eq!(masked_crc(b""), 0u32.rotate_right(15).wrapping_add(0xa282_ead8));
    }

    #[test]
    fn varints_encode_as_protobuf() {
        let mut v = Vec::new();
        put_varint(&mut v, 300);
        assert_eq!(v, [0xac, 0x02]);
    }
}
