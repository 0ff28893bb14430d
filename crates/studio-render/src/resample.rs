//! Bilinear resampling of one 8-bit picture plane from a sub-pixel source rectangle: how the render draws a still's
//! Ken Burns motion ([`crate::frames`]). Each output frame is a rectangle of the still (kept once in yuv420p) scaled
//! onto the frame, plane by plane, with the rectangle's position and size exact to a fraction of a pixel — FFmpeg's
//! `zoompan` rounds them to whole pixels, which is why it needed a 2× copy of the still and a bicubic scale per frame.
//!
//! Two passes per output row: the two source rows around it blended (8-bit weights), then each output pixel from the
//! two source pixels around it (6-bit weights). The second pass runs 8 pixels at a time with SSSE3 `pshufb` and
//! `pmaddubsw` where the CPU has them, and in plain Rust elsewhere; both give the same bytes. Meant for scales near
//! 1 (Ken Burns moves between 1× and 1.25×): bilinear does not filter a strong reduction.

/// Horizontal weight precision in bits: `pmaddubsw` multiplies unsigned bytes by signed bytes, so weights are ≤ 64.
const HBITS: u32 = 6;
const HONE: u16 = 1 << HBITS;
/// Vertical weight precision in bits (the blend stays within u16).
const VBITS: u32 = 8;
const VONE: u16 = 1 << VBITS;
/// Output pixels per SSSE3 step.
const BLOCK: usize = 8;
/// Bytes read past a block's first source pixel (one 16-byte load).
const PAD: usize = 16;

/// A plane to read: `width`×`height` pixels, rows `stride` bytes apart.
#[derive(Clone, Copy)]
pub(crate) struct Plane<'a> {
    pub data: &'a [u8],
    pub stride: usize,
    pub width: usize,
    pub height: usize,
}

/// A source rectangle in source pixels: left, top, width, height (fractions allowed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// One output column: its left source pixel and the right one's offset from it (0 at the right edge), both
/// relative to the first column the row blend covers, and the right pixel's weight out of 64.
#[derive(Clone, Copy, Default)]
struct Tap {
    left: u32,
    step: u8,
    weight: u8,
}

/// Eight output columns for `pshufb`: the source byte their pairs start at, the pairs' byte offsets from it and
/// the pairs' weights.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy, Default)]
struct Block {
    start: u32,
    shuffle: [u8; 16],
    weights: [u8; 16],
}

/// Per-frame tables and the row buffer, reused from frame to frame.
#[derive(Default)]
pub(crate) struct Resampler {
    taps: Vec<Tap>,
    #[cfg(target_arch = "x86_64")]
    blocks: Vec<Block>,
    row: Vec<u8>,
    /// Never use SSSE3 (tests compare both ways).
    plain: bool,
}

/// Where output pixel `i` of `n` samples the source span `[start, start + len)` of a `size`-pixel line: the left
/// source pixel and the fraction towards the next, in `1 << bits` steps (pixel centres map to pixel centres;
/// clamped to the line).
fn position(i: usize, n: usize, start: f64, len: f64, size: usize, bits: u32) -> (usize, u16) {
    let s = start + (i as f64 + 0.5) * (len / n as f64) - 0.5;
    let s = if s.is_finite() {
        s.clamp(0.0, (size - 1) as f64)
    } else {
        0.0
    };
    let left = s.floor();
    let one = 1u32 << bits;
    let frac = ((s - left) * f64::from(one)).round() as u32;
    let left = left as usize;
    if frac >= one {
        ((left + 1).min(size - 1), 0)
    } else {
        (left, frac as u16)
    }
}

impl Resampler {
    /// Draws `rect` of `src` over the whole `dst` (`dst_w`×`dst_h`, rows `dst_stride` bytes apart).
    ///
    /// Returns false, drawing nothing, when a plane is empty or shorter than its rows say, or the rectangle is not
    /// a finite one of positive size.
    pub(crate) fn draw(
        &mut self,
        src: Plane<'_>,
        rect: Rect,
        dst: &mut [u8],
        dst_stride: usize,
        (dst_w, dst_h): (usize, usize),
    ) -> bool {
        let finite = [rect.x, rect.y, rect.w, rect.h]
            .iter()
            .all(|v| v.is_finite());
        if !finite
            || rect.w <= 0.0
            || rect.h <= 0.0
            || src.width == 0
            || src.height == 0
            || dst_w == 0
            || dst_h == 0
            || src.stride < src.width
            || dst_stride < dst_w
            || src.data.len() < (src.height - 1) * src.stride + src.width
            || dst.len() < (dst_h - 1) * dst_stride + dst_w
        {
            return false;
        }
        // Columns: which source pixels each output pixel blends (left positions never decrease along the row).
        self.taps.clear();
        for i in 0..dst_w {
            let (left, frac) = position(i, dst_w, rect.x, rect.w, src.width, HBITS);
            self.taps.push(Tap {
                left: left as u32,
                step: u8::from(left + 1 < src.width),
                weight: frac as u8,
            });
        }
        let first = self.taps[0].left;
        let last = self
            .taps
            .iter()
            .map(|t| t.left + u32::from(t.step))
            .max()
            .unwrap_or(first);
        for t in &mut self.taps {
            t.left -= first;
        }
        let (first, span) = (first as usize, (last - first) as usize + 1);
        self.row.clear();
        self.row.resize(span + PAD, 0);
        let fast = self.plan_blocks();

        for y in 0..dst_h {
            let (top, frac) = position(y, dst_h, rect.y, rect.h, src.height, VBITS);
            let bottom = (top + 1).min(src.height - 1);
            let a = &src.data[top * src.stride + first..top * src.stride + first + span];
            let b = &src.data[bottom * src.stride + first..bottom * src.stride + first + span];
            blend_rows(a, b, frac, &mut self.row[..span]);
            let out = &mut dst[y * dst_stride..y * dst_stride + dst_w];
            let done = if fast { self.columns_fast(out) } else { 0 };
            columns(&self.row, &self.taps[done..], &mut out[done..]);
        }
        true
    }

    /// Fills the SSSE3 blocks when this CPU has SSSE3 and every block's pairs fit one 16-byte load of the row;
    /// false otherwise (the plain columns do the whole row).
    #[cfg(target_arch = "x86_64")]
    fn plan_blocks(&mut self) -> bool {
        self.blocks.clear();
        if self.plain || !std::arch::is_x86_feature_detected!("ssse3") {
            return false;
        }
        for chunk in self.taps.chunks_exact(BLOCK) {
            let start = chunk[0].left;
            let mut b = Block {
                start,
                ..Block::default()
            };
            for (j, t) in chunk.iter().enumerate() {
                let off = t.left - start;
                if off + u32::from(t.step) >= PAD as u32 || start as usize + PAD > self.row.len() {
                    self.blocks.clear();
                    return false;
                }
                b.shuffle[2 * j] = off as u8;
                b.shuffle[2 * j + 1] = off as u8 + t.step;
                b.weights[2 * j] = HONE as u8 - t.weight;
                b.weights[2 * j + 1] = t.weight;
            }
            self.blocks.push(b);
        }
        true
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn plan_blocks(&mut self) -> bool {
        false
    }

    /// The row's whole blocks of 8 columns with SSSE3; returns how many columns were written.
    #[cfg(target_arch = "x86_64")]
    fn columns_fast(&self, out: &mut [u8]) -> usize {
        assert!(out.len() >= self.blocks.len() * BLOCK);
        // SAFETY: `plan_blocks` made blocks only after detecting SSSE3, and only when every block's 16-byte load
        // lies inside `row` — the padded copy of the blended row, never the plane itself, so planes narrower than
        // 16 bytes are read safely too; `columns_ssse3` checks it again per block.
        unsafe { columns_ssse3(&self.row, &self.blocks, out) };
        self.blocks.len() * BLOCK
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn columns_fast(&self, _out: &mut [u8]) -> usize {
        0
    }
}

/// `out = a·(1 − f) + b·f`, f in 256ths, rounded.
fn blend_rows(a: &[u8], b: &[u8], frac: u16, out: &mut [u8]) {
    if frac == 0 {
        out.copy_from_slice(a);
        return;
    }
    let wa = VONE - frac;
    for ((o, &p), &q) in out.iter_mut().zip(a).zip(b) {
        *o = ((u16::from(p) * wa + u16::from(q) * frac + (VONE >> 1)) >> VBITS) as u8;
    }
}

/// Each output column from its two row pixels (the plain-Rust twin of `columns_ssse3`, same rounding).
fn columns(row: &[u8], taps: &[Tap], out: &mut [u8]) {
    for (o, t) in out.iter_mut().zip(taps) {
        let l = t.left as usize;
        let p = u16::from(row[l]);
        let q = u16::from(row[l + usize::from(t.step)]);
        let w = u16::from(t.weight);
        *o = ((p * (HONE - w) + q * w + (HONE >> 1)) >> HBITS) as u8;
    }
}

/// 8 columns per step: one 16-byte load from the block's start, `pshufb` into (left, right) pairs, `pmaddubsw` with
/// the pairs' weights, `pmulhrsw` by 512 = (sum + 32) >> 6, packed to bytes.
///
/// # Safety
/// The CPU must have SSSE3. (Each block's 16 bytes are checked to lie inside `row`; `out` takes whole blocks.)
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3")]
unsafe fn columns_ssse3(row: &[u8], blocks: &[Block], out: &mut [u8]) {
    use std::arch::x86_64::*;
    let round = _mm_set1_epi16(1 << (15 - HBITS));
    for (b, o) in blocks.iter().zip(out.chunks_exact_mut(BLOCK)) {
        assert!(b.start as usize + PAD <= row.len());
        // SAFETY: SSSE3 is there (the caller's promise); 16 bytes from `start` are inside `row` (asserted above), `o`
        // is 8 bytes and the block's arrays are 16 bytes each.
        unsafe {
            let px = _mm_loadu_si128(row.as_ptr().add(b.start as usize).cast());
            let pairs = _mm_shuffle_epi8(px, _mm_loadu_si128(b.shuffle.as_ptr().cast()));
            let sums = _mm_maddubs_epi16(pairs, _mm_loadu_si128(b.weights.as_ptr().cast()));
            let v = _mm_mulhrs_epi16(sums, round);
            _mm_storel_epi64(o.as_mut_ptr().cast(), _mm_packus_epi16(v, v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(w: usize, h: usize, f: impl Fn(usize, usize) -> u8) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| f(x, y))
            .collect()
    }

    fn rect_at(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    fn draw_with(
        r: &mut Resampler,
        src: &[u8],
        (sw, sh): (usize, usize),
        rect: Rect,
        (w, h): (usize, usize),
    ) -> Vec<u8> {
        let mut out = vec![0u8; w * h];
        let drawn = r.draw(
            Plane {
                data: src,
                stride: sw,
                width: sw,
                height: sh,
            },
            rect,
            &mut out,
            w,
            (w, h),
        );
        assert!(drawn, "{rect:?}");
        out
    }

    fn draw(src: &[u8], size: (usize, usize), rect: Rect, out: (usize, usize)) -> Vec<u8> {
        draw_with(&mut Resampler::default(), src, size, rect, out)
    }

    #[test]
    fn the_whole_plane_at_its_own_size_is_copied() {
        let src = plane(37, 11, |x, y| (x * 7 + y * 13) as u8);
        let rect = rect_at(0.0, 0.0, 37.0, 11.0);
        assert_eq!(draw(&src, (37, 11), rect, (37, 11)), src);
    }

    #[test]
    fn a_half_pixel_shift_averages_neighbours_and_edges_clamp() {
        // Columns alternate 0 and 200; shifted half a pixel right every output pixel is their mean (100), except
        // the last, which has no right neighbour and keeps its own value.
        let src = plane(24, 4, |x, _| if x % 2 == 0 { 0 } else { 200 });
        let rect = rect_at(0.5, 0.0, 24.0, 4.0);
        let out = draw(&src, (24, 4), rect, (24, 4));
        for y in 0..4 {
            assert!(
                out[y * 24..y * 24 + 23].iter().all(|v| *v == 100),
                "{out:?}"
            );
            assert_eq!(out[y * 24 + 23], 200);
        }
        // Rows likewise: a quarter pixel down blends a quarter of the next row.
        let src = plane(16, 4, |_, y| if y % 2 == 0 { 0 } else { 200 });
        let rect = rect_at(0.0, 0.25, 16.0, 4.0);
        let out = draw(&src, (16, 4), rect, (16, 4));
        assert_eq!(&out[..16], &[50; 16]);
        assert_eq!(&out[16..32], &[150; 16]);
    }

    #[test]
    fn a_zoomed_rectangle_maps_centres_to_centres() {
        // The middle half of a ramp, drawn at the ramp's full width: twice as steep, centred on the same value.
        let src = plane(64, 2, |x, _| (x * 4) as u8);
        let rect = rect_at(16.0, 0.0, 32.0, 2.0);
        let out = draw(&src, (64, 2), rect, (64, 2));
        // Output pixel i samples source 16 + (i + 0.5)/2 − 0.5 = 15.75 + i/2: value 4 × that.
        for (i, v) in out[..64].iter().enumerate() {
            let want = (4.0 * (15.75 + i as f64 / 2.0)).round();
            assert!((f64::from(*v) - want).abs() <= 1.0, "{i}: {v} vs {want}");
        }
    }

    /// A small xorshift: test cases without a dependency.
    fn rng(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    #[test]
    fn the_fast_columns_give_the_plain_columns_bytes_on_any_geometry() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut fast = Resampler::default();
        let mut plain = Resampler {
            plain: true,
            ..Resampler::default()
        };
        let mut blocks = 0;
        for case in 0..400 {
            // Source widths from 1 (narrower than one 16-byte load) to 300; outputs not multiples of 8; windows
            // inside, touching and past the edges, whole and fractional, reductions to 1.9× and enlargements.
            let sw = 1 + (rng(&mut seed) % 300) as usize;
            let sh = 1 + (rng(&mut seed) % 6) as usize;
            let w = 1 + (rng(&mut seed) % 260) as usize;
            let h = 1 + (rng(&mut seed) % 4) as usize;
            let src: Vec<u8> = (0..sw * sh).map(|_| rng(&mut seed) as u8).collect();
            let unit = |seed: &mut u64| (rng(seed) % 10_000) as f64 / 10_000.0;
            let scale = 0.3 + 1.6 * unit(&mut seed);
            let rect = Rect {
                x: if case % 5 == 0 {
                    (rng(&mut seed) % 4) as f64
                } else {
                    (unit(&mut seed) - 0.2) * sw as f64
                },
                y: (unit(&mut seed) - 0.2) * sh as f64,
                w: w as f64 * scale,
                h: sh as f64 * (0.5 + unit(&mut seed)),
            };
            let a = draw_with(&mut fast, &src, (sw, sh), rect, (w, h));
            #[cfg(target_arch = "x86_64")]
            {
                blocks += fast.blocks.len();
            }
            let b = draw_with(&mut plain, &src, (sw, sh), rect, (w, h));
            assert_eq!(a, b, "case {case}: {sw}×{sh} → {w}×{h} from {rect:?}");
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("ssse3") {
            assert!(blocks > 1000, "the fast path ran ({blocks} blocks)");
            assert!(plain.blocks.is_empty());
        }
        let _ = blocks;
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_fast_kernel_rounds_every_pair_and_weight_as_the_plain_one() {
        if !std::arch::is_x86_feature_detected!("ssse3") {
            return;
        }
        // Every (left, right, weight): 256 × 256 × 65, eight weights per step.
        let weights: Vec<u8> = (0..=64).collect();
        let mut row = [0u8; 2 + PAD];
        let mut out = [0u8; BLOCK];
        for p in 0..=255u8 {
            for q in 0..=255u8 {
                row[0] = p;
                row[1] = q;
                for ws in weights.chunks(BLOCK) {
                    let mut b = Block::default();
                    let taps: Vec<Tap> = ws
                        .iter()
                        .map(|&w| Tap {
                            left: 0,
                            step: 1,
                            weight: w,
                        })
                        .collect();
                    for (j, w) in ws.iter().enumerate() {
                        b.shuffle[2 * j] = 0;
                        b.shuffle[2 * j + 1] = 1;
                        b.weights[2 * j] = 64 - w;
                        b.weights[2 * j + 1] = *w;
                    }
                    // SAFETY: SSSE3 was detected; the row holds 16 bytes from 0.
                    unsafe { columns_ssse3(&row, &[b], &mut out) };
                    let mut want = [0u8; BLOCK];
                    columns(&row, &taps, &mut want);
                    assert_eq!(&out[..ws.len()], &want[..ws.len()], "{p} {q} {ws:?}");
                }
            }
        }
    }

    #[test]
    fn empty_short_or_degenerate_inputs_draw_nothing_and_say_so() {
        let good = rect_at(0.0, 0.0, 2.0, 2.0);
        let cases = [
            (&[1u8, 2, 3][..], good),
            (
                &[1, 2, 3, 4][..],
                Rect {
                    w: f64::NAN,
                    ..good
                },
            ),
            (&[1, 2, 3, 4][..], Rect { w: -2.0, ..good }),
            (&[1, 2, 3, 4][..], Rect { h: 0.0, ..good }),
            (
                &[1, 2, 3, 4][..],
                Rect {
                    x: f64::INFINITY,
                    ..good
                },
            ),
        ];
        for (data, rect) in cases {
            let mut out = vec![7u8; 4];
            let drawn = Resampler::default().draw(
                Plane {
                    data,
                    stride: 2,
                    width: 2,
                    height: 2,
                },
                rect,
                &mut out,
                2,
                (2, 2),
            );
            assert!(!drawn, "{rect:?}");
            assert_eq!(out, vec![7; 4]);
        }
    }
}
