//! Articulated human-like figures: appearance, poses over time, and drawing them onto a [`Canvas`].
//!
//! A figure is a skeleton (pelvis, neck, head, shoulders, elbows, wrists, hips, knees, ankles) built from joint
//! angles, then drawn as capsules (limbs), a tapered quad (torso) and ellipses (head, hair, hands, shoes). Limb
//! lengths are fractions of the figure's scale `h` (its standing height is about `0.94 h`).

use super::raster::{Canvas, Paint, Pt};
use rand::Rng;
use std::f32::consts::PI;

/// What a figure is doing; it decides the view (front or side) and how limbs move over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoseKind {
    /// Side view, arms and legs swinging in opposition.
    Walking,
    /// Front view, arms slightly out, small sway.
    Standing,
    /// Front view, arms raised sideways (star-like), slowly flapping.
    ArmsOut,
    /// Front view, one arm up and waving.
    Reaching,
    /// Side view, thighs forward, shins down, hands on the lap (on a stool).
    Sitting,
    /// Side view, torso bent forward over straight legs, arms hanging.
    Bending,
}

impl PoseKind {
    /// Poses drawn in side view (limbs swing along the direction the figure faces).
    pub fn side_view(self) -> bool {
        matches!(self, PoseKind::Walking | PoseKind::Sitting | PoseKind::Bending)
    }

    /// Poses that stay in place (they do not walk).
    pub fn stationary(self) -> bool {
        matches!(self, PoseKind::Sitting | PoseKind::Bending | PoseKind::Standing)
    }

    /// Draws a pose with fixed weights: walking 40%, standing 12%, arms out 14%, reaching 10%, sitting 12%,
    /// bending 12%.
    pub fn sample(rng: &mut impl Rng) -> PoseKind {
        let u: f32 = rng.random();
        match u {
            u if u < 0.40 => PoseKind::Walking,
            u if u < 0.52 => PoseKind::Standing,
            u if u < 0.66 => PoseKind::ArmsOut,
            u if u < 0.76 => PoseKind::Reaching,
            u if u < 0.88 => PoseKind::Sitting,
            _ => PoseKind::Bending,
        }
    }
}

/// The clothing and skin colours of one identity; fixed for the whole video.
#[derive(Debug, Clone, Copy)]
pub struct Appearance {
    /// Skin tone.
    pub skin: [u8; 3],
    /// Hair colour.
    pub hair: [u8; 3],
    /// Shirt colour.
    pub shirt: [u8; 3],
    /// Second shirt colour when the shirt is striped.
    pub stripes: Option<[u8; 3]>,
    /// Trousers colour.
    pub trousers: [u8; 3],
    /// Shoe colour.
    pub shoes: [u8; 3],
    /// Long sleeves cover the forearms; otherwise they show skin.
    pub long_sleeves: bool,
    /// Shorts leave the shins bare.
    pub shorts: bool,
    /// Long hair hangs behind the head.
    pub long_hair: bool,
}

const SKIN: [[u8; 3]; 7] =
    [[255, 224, 196], [241, 194, 150], [224, 172, 125], [198, 134, 88], [161, 102, 64], [120, 75, 45], [84, 52, 33]];
const HAIR: [[u8; 3]; 6] = [[20, 16, 14], [60, 40, 25], [110, 75, 40], [190, 150, 90], [140, 140, 140], [150, 60, 30]];

/// An RGB colour from hue (turns), saturation and value in [0, 1].
pub fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let h6 = h.rem_euclid(1.0) * 6.0;
    let c = v * s;
    let x = c * (1.0 - ((h6 % 2.0) - 1.0).abs());
    let (r, g, b) = match h6 as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [r, g, b].map(|u| ((u + m) * 255.0).round().clamp(0.0, 255.0) as u8)
}

impl Appearance {
    /// A random appearance whose shirt hue is `hue` (callers space hues apart so identities differ).
    pub fn sample(rng: &mut impl Rng, hue: f32) -> Appearance {
        let shirt = hsv(hue, rng.random_range(0.45..0.95), rng.random_range(0.45..0.95));
        let stripes = rng.random_bool(0.3).then(|| hsv(hue + rng.random_range(0.3..0.7), 0.6, rng.random_range(0.3..1.0)));
        let trousers = if rng.random_bool(0.5) {
            // Jeans, black, grey or khaki.
            [[40, 60, 110], [25, 25, 30], [100, 100, 105], [170, 150, 110]][rng.random_range(0..4)]
        } else {
            hsv(hue + rng.random_range(0.2..0.8), rng.random_range(0.2..0.8), rng.random_range(0.2..0.8))
        };
        Appearance {
            skin: SKIN[rng.random_range(0..SKIN.len())],
            hair: HAIR[rng.random_range(0..HAIR.len())],
            shirt,
            stripes,
            trousers,
            shoes: hsv(rng.random(), rng.random_range(0.0..0.5), rng.random_range(0.1..0.9)),
            long_sleeves: rng.random_bool(0.5),
            shorts: rng.random_bool(0.2),
            long_hair: rng.random_bool(0.35),
        }
    }
}

/// Per-identity pose constants (how wide the arms go, how far the stride is, ...), drawn once per figure.
#[derive(Debug, Clone, Copy)]
pub struct PoseStyle {
    /// Stride amplitude (radians) when walking; sway amplitude otherwise.
    pub swing: f32,
    /// Arm spread or raise (radians from hanging down).
    pub arm: f32,
    /// Leg spread (radians).
    pub leg: f32,
    /// Torso lean forward (radians from vertical).
    pub lean: f32,
    /// Phase advance per frame (radians).
    pub rate: f32,
}

impl PoseStyle {
    /// Random constants suited to `kind`.
    pub fn sample(rng: &mut impl Rng, kind: PoseKind) -> PoseStyle {
        let (arm, leg, lean) = match kind {
            PoseKind::Walking => (0.0, 0.0, rng.random_range(0.03..0.15)),
            PoseKind::Standing => (rng.random_range(0.12..0.45), rng.random_range(0.04..0.2), rng.random_range(-0.05..0.05)),
            PoseKind::ArmsOut => (rng.random_range(1.2..2.2), rng.random_range(0.15..0.4), 0.0),
            PoseKind::Reaching => (rng.random_range(2.4..3.0), rng.random_range(0.05..0.3), rng.random_range(-0.1..0.1)),
            PoseKind::Sitting => (rng.random_range(0.1..0.5), rng.random_range(1.25..1.6), rng.random_range(-0.15..0.1)),
            PoseKind::Bending => (rng.random_range(-0.2..0.3), rng.random_range(-0.15..0.1), rng.random_range(0.9..1.5)),
        };
        PoseStyle { swing: rng.random_range(0.3..0.6), arm, leg, lean, rate: rng.random_range(0.5..0.9), }
    }
}

/// Joint positions of one figure in pixels. Index 0 of each pair is the far (back or left) side, 1 the near side.
#[derive(Debug, Clone, Copy)]
pub struct Skeleton {
    /// Scale: the length unit of the body (standing height ≈ 0.94 h).
    pub h: f32,
    /// +1 facing right, -1 facing left.
    pub facing: f32,
    /// Drawn in side view.
    pub side: bool,
    /// Pelvis (hip centre).
    pub pelvis: Pt,
    /// Base of the neck.
    pub neck: Pt,
    /// Head centre.
    pub head: Pt,
    /// Shoulders.
    pub shoulder: [Pt; 2],
    /// Elbows.
    pub elbow: [Pt; 2],
    /// Wrists.
    pub wrist: [Pt; 2],
    /// Hip joints.
    pub hip: [Pt; 2],
    /// Knees.
    pub knee: [Pt; 2],
    /// Ankles.
    pub ankle: [Pt; 2],
}

// Lengths as fractions of the scale h.
const HEAD_R: f32 = 0.065;
const NECK: f32 = 0.085;
const TORSO: f32 = 0.29;
const UPPER_ARM: f32 = 0.16;
const FOREARM: f32 = 0.15;
const THIGH: f32 = 0.245;
const SHIN: f32 = 0.235;
const FOOT_UP: f32 = 0.02;

/// The unit vector at `angle` radians from straight down, turned towards +x when `sx` is +1.
fn dir(angle: f32, sx: f32) -> Pt {
    (sx * angle.sin(), angle.cos())
}

fn add(p: Pt, d: Pt, len: f32) -> Pt {
    (p.0 + d.0 * len, p.1 + d.1 * len)
}

impl Skeleton {
    /// Builds the skeleton of a figure of scale `h` whose feet touch the ground at `feet`, at animation phase
    /// `phase` (radians).
    pub fn pose(kind: PoseKind, style: &PoseStyle, feet: Pt, h: f32, facing: f32, phase: f32) -> Skeleton {
        let side = kind.side_view();
        let s = phase.sin();
        // Joint angles (from straight down, positive = forward for side view, outward for front view).
        // Index 0 = back/left limb, 1 = front/right limb.
        let (mut thigh, mut shin, mut upper, mut fore) = ([0.0f32; 2], [0.0f32; 2], [0.0f32; 2], [0.0f32; 2]);
        let mut lean = style.lean;
        let mut lift = 0.0; // vertical offset of the pelvis (positive = up), in units of h
        match kind {
            PoseKind::Walking => {
                let a = style.swing;
                for k in 0..2 {
                    let ph = phase + if k == 0 { PI } else { 0.0 };
                    thigh[k] = a * ph.sin();
                    // The knee bends while the leg swings forward.
                    shin[k] = thigh[k] - 0.9 * a * (ph.cos().max(0.0) + 0.15);
                    upper[k] = -0.8 * a * ph.sin();
                    fore[k] = upper[k] + 0.35 + 0.3 * a;
                }
                lift = -0.015 * (2.0 * phase).cos();
            }
            PoseKind::Standing => {
                let sway = 0.05 * s;
                thigh = [style.leg + sway, style.leg - sway];
                shin = thigh;
                upper = [style.arm + sway, style.arm - sway];
                fore = [upper[0] - 0.15, upper[1] - 0.15];
            }
            PoseKind::ArmsOut => {
                let flap = 0.35 * style.swing * s;
                thigh = [style.leg, style.leg];
                shin = [style.leg * 0.8, style.leg * 0.8];
                upper = [style.arm + flap, style.arm + flap];
                fore = [upper[0] + 0.3 + 0.3 * s, upper[1] + 0.3 - 0.3 * s];
            }
            PoseKind::Reaching => {
                thigh = [style.leg, style.leg * 0.5];
                shin = thigh;
                upper = [0.25, style.arm];
                fore = [0.15, style.arm + 0.5 * (2.0 * phase).sin()];
            }
            PoseKind::Sitting => {
                let knee_lift = 0.08 * s;
                thigh = [style.leg - 0.1, style.leg + knee_lift];
                shin = [0.05, 0.2 + knee_lift];
                upper = [style.arm, style.arm + 0.1];
                fore = [1.2, 1.3 + 0.2 * s];
            }
            PoseKind::Bending => {
                lean = style.lean + 0.15 * s;
                thigh = [style.leg, style.leg - 0.05];
                shin = thigh;
                upper = [style.arm - lean + 0.1 * s, style.arm - lean - 0.1 * s];
                fore = [upper[0] - 0.1, upper[1] - 0.2];
            }
        }
        // In front view limb 0 is the figure's left (drawn towards -x), so its outward angle flips sign.
        let sx = |k: usize| if side { facing } else if k == 0 { -1.0 } else { 1.0 };
        // Stand the figure on its lowest foot: pelvis height from the legs' vertical reach.
        let reach = |k: usize| THIGH * thigh[k].cos() + SHIN * shin[k].cos();
        let leg_h = reach(0).max(reach(1)).max(0.05) + FOOT_UP;
        let pelvis_up = if kind == PoseKind::Sitting { SHIN * 1.05 + FOOT_UP + 0.02 } else { leg_h + lift };
        let pelvis = (feet.0, feet.1 - pelvis_up * h);
        let up = (facing * lean.sin(), -lean.cos());
        let neck = add(pelvis, up, TORSO * h);
        let head = add(neck, up, NECK * h);
        let across = if side { (0.0, 0.0) } else { (up.1.abs(), 0.0) };
        let (sw, hw) = if side { (0.015, 0.01) } else { (0.11, 0.06) };
        let shoulder_base = add(neck, up, -0.035 * h);
        let shoulder = [add(shoulder_base, across, -sw * h), add(shoulder_base, across, sw * h)];
        let hip = [add(pelvis, across, -hw * h), add(pelvis, across, hw * h)];
        let mut elbow = [(0.0, 0.0); 2];
        let mut wrist = elbow;
        let mut knee = elbow;
        let mut ankle = elbow;
        for k in 0..2 {
            elbow[k] = add(shoulder[k], dir(upper[k], sx(k)), UPPER_ARM * h);
            wrist[k] = add(elbow[k], dir(fore[k], sx(k)), FOREARM * h);
            knee[k] = add(hip[k], dir(thigh[k], sx(k)), THIGH * h);
            ankle[k] = add(knee[k], dir(shin[k], sx(k)), SHIN * h);
        }
        Skeleton { h, facing, side, pelvis, neck, head, shoulder, elbow, wrist, hip, knee, ankle }
    }

    /// Horizontal and vertical extent `(x0, y0, x1, y1)` of the drawn figure (joints padded by limb radii).
    pub fn extent(&self) -> (f32, f32, f32, f32) {
        let pts = [self.head, self.neck, self.pelvis]
            .into_iter()
            .chain(self.shoulder)
            .chain(self.elbow)
            .chain(self.wrist)
            .chain(self.knee)
            .chain(self.ankle);
        let pad = 0.1 * self.h;
        let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for p in pts {
            x0 = x0.min(p.0);
            y0 = y0.min(p.1);
            x1 = x1.max(p.0);
            y1 = y1.max(p.1);
        }
        (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    }

    /// Draws the figure with `label` (its person slot) in back-to-front order.
    pub fn draw(&self, look: &Appearance, canvas: &mut Canvas, label: u16) {
        let h = self.h;
        let shirt = match look.stripes {
            Some(b) => Paint::Stripes {
                a: look.shirt,
                b,
                origin: self.neck,
                axis: unit((self.pelvis.0 - self.neck.0, self.pelvis.1 - self.neck.1)),
                period: (0.07 * h).max(3.0),
            },
            None => Paint::Solid(look.shirt),
        };
        let skin = Paint::Solid(look.skin);
        let arm = |c: &mut Canvas, k: usize, shade: f32| {
            let sleeve = shirt.shaded(shade);
            let fore = if look.long_sleeves { sleeve } else { skin.shaded(shade) };
            c.fill_capsule(self.shoulder[k], self.elbow[k], 0.038 * h, 0.032 * h, &sleeve, label);
            c.fill_capsule(self.elbow[k], self.wrist[k], 0.03 * h, 0.026 * h, &fore, label);
            c.fill_ellipse(self.wrist[k], 0.03 * h, 0.03 * h, 0.0, &skin.shaded(shade), label);
        };
        let leg = |c: &mut Canvas, k: usize, shade: f32| {
            let cloth = Paint::Solid(look.trousers).shaded(shade);
            let lower = if look.shorts { skin.shaded(shade) } else { cloth };
            c.fill_capsule(self.hip[k], self.knee[k], 0.055 * h, 0.045 * h, &cloth, label);
            c.fill_capsule(self.knee[k], self.ankle[k], 0.043 * h, 0.034 * h, &lower, label);
            let toe = if self.side {
                (self.ankle[k].0 + self.facing * 0.07 * h, self.ankle[k].1 + 0.01 * h)
            } else {
                (self.ankle[k].0 + (if k == 0 { -0.02 } else { 0.02 }) * h, self.ankle[k].1 + 0.02 * h)
            };
            c.fill_capsule(self.ankle[k], toe, 0.03 * h, 0.026 * h, &Paint::Solid(look.shoes).shaded(shade), label);
        };
        let torso = |c: &mut Canvas| {
            let axis = unit((self.neck.0 - self.pelvis.0, self.neck.1 - self.pelvis.1));
            let n = (-axis.1, axis.0);
            let (top, bottom) = if self.side { (0.075 * h, 0.068 * h) } else { (0.12 * h, 0.09 * h) };
            let neck_low = add(self.neck, axis, -0.02 * h);
            let hip_low = add(self.pelvis, axis, -0.03 * h);
            let quad = [add(neck_low, n, top), add(neck_low, n, -top), add(hip_low, n, -bottom), add(hip_low, n, bottom)];
            c.fill_polygon(&quad, &shirt, label);
            // Trousers cover the lowest part of the torso (the waist).
            let waist_top = add(self.pelvis, axis, 0.04 * h);
            let waist = [add(waist_top, n, bottom * 1.02), add(waist_top, n, -bottom * 1.02), add(hip_low, n, -bottom), add(hip_low, n, bottom)];
            c.fill_polygon(&waist, &Paint::Solid(look.trousers), label);
        };
        let head = |c: &mut Canvas| {
            let r = HEAD_R * h;
            let back = if self.side { -self.facing } else { 0.0 };
            if look.long_hair {
                // Hair falling behind the head to the shoulders; the neck and face are drawn over it.
                let tail = (self.head.0 + back * 0.6 * r, self.head.1 + 1.7 * r);
                let width = if self.side { 0.9 } else { 1.2 };
                c.fill_capsule(self.head, tail, r * width, r * width * 0.85, &Paint::Solid(look.hair), label);
            }
            c.fill_capsule(self.neck, self.head, 0.03 * h, 0.03 * h, &skin, label);
            c.fill_ellipse((self.head.0 + back * 0.15 * r, self.head.1 - 0.18 * r), r * 1.04, r * 0.98, 0.0, &Paint::Solid(look.hair), label);
            let face_dx = if self.side { self.facing * 0.12 * r } else { 0.0 };
            c.fill_ellipse((self.head.0 + face_dx, self.head.1 + 0.12 * r), r * 0.9, r * 0.92, 0.0, &skin, label);
        };
        if self.side {
            arm(canvas, 0, 0.75);
            leg(canvas, 0, 0.75);
            torso(canvas);
            leg(canvas, 1, 1.0);
            head(canvas);
            arm(canvas, 1, 1.0);
        } else {
            leg(canvas, 0, 0.92);
            leg(canvas, 1, 1.0);
            torso(canvas);
            head(canvas);
            arm(canvas, 0, 0.92);
            arm(canvas, 1, 1.0);
        }
    }
}

fn unit(v: Pt) -> Pt {
    let n = (v.0 * v.0 + v.1 * v.1).sqrt().max(1e-6);
    (v.0 / n, v.1 / n)
}
