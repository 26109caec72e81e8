//! The inner centre (HVISNet's Inner Center Sampling), exact and deterministic.
//!
//! Definition used here (model-spec §5.2, with the authors' sampling made exact):
//! 1. If the mask centroid's pixel `(floor(cx), floor(cy))` is an interior pixel (3×3 neighbourhood all
//!    foreground), the centre is the centroid itself (float), as in the authors' `centerdot`.
//! 2. Otherwise it is the interior pixel minimising the objective over **all** edge points (see
//!    [`MaskGeometry`] for both definitions): the sum of Euclidean distances (default, the authors' code) or
//!    the sum of squared distances (the paper's formula; equivalently the interior pixel nearest to the mean of
//!    the edge points). Ties go to the smaller (y, x).
//! 3. A mask without interior pixels (thinner than 3 px everywhere, a single pixel) uses the same minimiser
//!    over all its foreground pixels, so the centre still lies on the mask. An empty mask has no inner centre.

use crate::config::InnerMetric;
use crate::mask::MaskGeometry;
use crate::objective::{EdgeClusters, EdgePoints};
use crate::search::{argmin, Found, Objective};

/// How a centre was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CenterSource {
    /// The box centre (strategy `bbox`, or the fallback for an empty mask).
    BoxCenter,
    /// The mask centroid (strategy `centroid`, or `inner` when the centroid passes the 3×3 test).
    Centroid,
    /// The minimiser over interior pixels.
    Interior,
    /// The minimiser over all foreground pixels (mask without interior pixels).
    Foreground,
    /// Strategy `none`: no centre.
    NoCenter,
}

/// An inner centre in pixel-index coordinates of the mask, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InnerCenter {
    /// (x, y); a whole pixel index unless `source` is [`CenterSource::Centroid`].
    pub point: [f64; 2],
    /// Centroid, interior minimiser or foreground minimiser.
    pub source: CenterSource,
}

/// The minimising pixel of [`inner_minimiser`] with the work the search did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minimiser {
    /// Pixel column.
    pub x: i64,
    /// Pixel row.
    pub y: i64,
    /// True when chosen among interior pixels, false when the mask has none and all foreground pixels were used.
    pub interior: bool,
    /// Objective value at (x, y): sum of distances, or squared distance to the edge mean.
    pub value: f64,
    /// Number of node lower bounds computed (each costs one pass over the edge points).
    pub bounds: usize,
    /// Number of exact pixel values computed.
    pub values: usize,
}

/// Nodes at least this large are bounded with the clustered edge points.
const CLUSTER_MIN_NODE: i64 = 4;
/// Tile side of the edge clusters.
const CLUSTER_TILE: u32 = 8;

struct SumOfDistances<'e> {
    edges: &'e EdgePoints,
    clusters: EdgeClusters,
}

impl Objective for SumOfDistances<'_> {
    type Value = f64;
    fn value(&self, x: i64, y: i64) -> f64 {
        self.edges.sum_of_distances(x as f64, y as f64)
    }
    fn approx(&self, v: f64) -> f64 {
        v
    }
    fn less(&self, a: f64, b: f64) -> bool {
        a < b
    }
    fn equal(&self, a: f64, b: f64) -> bool {
        a == b
    }
    /// Tangent plane at the node centre q (f is convex), minimised over the rectangle's corners.
    fn lower_bound(&self, q: [f64; 2], rect: [i64; 4]) -> f64 {
        let r = rect.map(|v| v as f64);
        if (rect[2] - rect[0]).max(rect[3] - rect[1]) + 1 >= CLUSTER_MIN_NODE {
            self.clusters.tangent_lower_bound(q[0], q[1], r)
        } else {
            self.edges.tangent_lower_bound(q[0], q[1], r)
        }
    }
}

/// Squared distance to the edge mean, kept exact as ‖n·p − Σe‖² in integers.
struct SquaredToMean {
    n: i128,
    sx: i128,
    sy: i128,
}

impl Objective for SquaredToMean {
    type Value = i128;
    fn value(&self, x: i64, y: i64) -> i128 {
        let (dx, dy) = (self.n * x as i128 - self.sx, self.n * y as i128 - self.sy);
        dx * dx + dy * dy
    }
    fn approx(&self, v: i128) -> f64 {
        v as f64 / (self.n as f64 * self.n as f64)
    }
    fn less(&self, a: i128, b: i128) -> bool {
        a < b
    }
    fn equal(&self, a: i128, b: i128) -> bool {
        a == b
    }
    /// Exact squared distance from the mean to the rectangle.
    fn lower_bound(&self, _q: [f64; 2], [x0, y0, x1, y1]: [i64; 4]) -> f64 {
        let (mx, my) = (self.sx as f64 / self.n as f64, self.sy as f64 / self.n as f64);
        let dx = (x0 as f64 - mx).max(mx - x1 as f64).max(0.0);
        let dy = (y0 as f64 - my).max(my - y1 as f64).max(0.0);
        dx * dx + dy * dy
    }
}

/// The exact minimiser of `metric` over the interior pixels (or over all foreground pixels when there are
/// none), without the centroid shortcut. `None` for an empty mask.
pub fn inner_minimiser(geom: &MaskGeometry, metric: InnerMetric) -> Option<Minimiser> {
    if geom.area() == 0 {
        return None;
    }
    let interior = geom.interior_count() > 0;
    let crop = geom.crop(interior);
    let out = |f: Found<f64>| Minimiser { x: f.x, y: f.y, interior, value: f.value, bounds: f.bounds, values: f.values };
    match metric {
        InnerMetric::SumOfDistances => {
            let edges = EdgePoints::from_points(geom.edges());
            let clusters = EdgeClusters::new(geom.edges(), CLUSTER_TILE);
            argmin(&crop, &SumOfDistances { edges: &edges, clusters }).map(out)
        }
        InnerMetric::Squared => {
            let obj = SquaredToMean {
                n: geom.edges().len() as i128,
                sx: geom.edges().iter().map(|e| e[0] as i128).sum(),
                sy: geom.edges().iter().map(|e| e[1] as i128).sum(),
            };
            argmin(&crop, &obj).map(|f| {
                out(Found { x: f.x, y: f.y, value: obj.approx(f.value), bounds: f.bounds, values: f.values })
            })
        }
    }
}

/// The inner centre of a mask (module docs give the exact rule), `None` for an empty mask.
pub fn inner_center(geom: &MaskGeometry, metric: InnerMetric) -> Option<InnerCenter> {
    let c = geom.centroid()?;
    if geom.is_interior(c[0].floor() as i64, c[1].floor() as i64) {
        return Some(InnerCenter { point: c, source: CenterSource::Centroid });
    }
    inner_minimiser(geom, metric).map(|m| InnerCenter {
        point: [m.x as f64, m.y as f64],
        source: if m.interior { CenterSource::Interior } else { CenterSource::Foreground },
    })
}
