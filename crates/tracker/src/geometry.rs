//! Axis-aligned boxes in pixel coordinates and their overlap.

use serde::{Deserialize, Serialize};

use crate::kalman::Xyah;

/// A box given by its corners (x1, y1) top-left and (x2, y2) bottom-right, in pixels (continuous coordinates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// Left edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
    /// Right edge.
    pub x2: f64,
    /// Bottom edge.
    pub y2: f64,
}

impl BBox {
    /// A box from its corners `[x1, y1, x2, y2]`.
    pub fn from_corners(c: [f64; 4]) -> Self {
        Self { x1: c[0], y1: c[1], x2: c[2], y2: c[3] }
    }

    /// The corners `[x1, y1, x2, y2]`.
    pub fn corners(&self) -> [f64; 4] {
        [self.x1, self.y1, self.x2, self.y2]
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.x2 - self.x1
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.y2 - self.y1
    }

    /// Area (0 for an empty or inverted box).
    pub fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// True when every coordinate is finite and the box has positive width and height.
    pub fn is_valid(&self) -> bool {
        self.corners().iter().all(|v| v.is_finite()) && self.x2 > self.x1 && self.y2 > self.y1
    }

    /// The Kalman measurement (centre x, centre y, aspect w/h, height).
    pub fn to_xyah(&self) -> Xyah {
        let (w, h) = (self.width(), self.height());
        [self.x1 + w / 2.0, self.y1 + h / 2.0, w / h, h]
    }

    /// The box of a Kalman measurement or state (centre x, centre y, aspect w/h, height).
    pub fn from_xyah(z: &[f64]) -> Self {
        let (h, w) = (z[3], z[2] * z[3]);
        Self { x1: z[0] - w / 2.0, y1: z[1] - h / 2.0, x2: z[0] + w / 2.0, y2: z[1] + h / 2.0 }
    }

    /// Intersection over union (0 when both are empty). Continuous coordinates: no "+1" pixel convention.
    pub fn iou(&self, other: &BBox) -> f64 {
        let iw = (self.x2.min(other.x2) - self.x1.max(other.x1)).max(0.0);
        let ih = (self.y2.min(other.y2) - self.y1.max(other.y1)).max(0.0);
        let inter = iw * ih;
        let union = self.area() + other.area() - inter;
        if union > 0.0 { inter / union } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iou_of_known_boxes() {
        let a = BBox::from_corners([0.0, 0.0, 10.0, 10.0]);
        let b = BBox::from_corners([5.0, 0.0, 15.0, 10.0]);
        assert!((a.iou(&b) - 50.0 / 150.0).abs() < 1e-12);
        assert_eq!(a.iou(&a), 1.0);
        assert_eq!(a.iou(&BBox::from_corners([20.0, 20.0, 30.0, 30.0])), 0.0);
    }

    #[test]
    fn xyah_round_trip() {
        let a = BBox::from_corners([3.0, 4.0, 13.0, 24.0]);
        let z = a.to_xyah();
        assert_eq!(z, [8.0, 14.0, 0.5, 20.0]);
        let b = BBox::from_xyah(&z);
        for (u, v) in a.corners().iter().zip(b.corners()) {
            assert!((u - v).abs() < 1e-12);
        }
    }
}
