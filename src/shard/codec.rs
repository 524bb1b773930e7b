//! The bytes of a shard's data files: little-endian integers and floats
//! written by their bit patterns, so a value read back is the value
//! written, bit for bit (a merge must form the very sums a one-machine run
//! forms). Vectors that are mostly zero (bad proxy-hours by cause, blast
//! sums by cell) are written sparse: a bitmap of the entries whose bits
//! are not all zero, then those entries; `-0.0` is kept as written.

/// Appends values to a buffer.
#[derive(Default)]
pub struct Enc {
    /// The bytes so far.
    pub bytes: Vec<u8>,
}

impl Enc {
    /// A `u8`.
    pub fn u8(&mut self, v: u8) {
        self.bytes.push(v);
    }
    /// A `u32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// A `u64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }
    /// An `f64`, by its bits.
    pub fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    /// A length (as `u64`).
    pub fn len(&mut self, n: usize) {
        self.u64(n as u64);
    }
    /// Every value of `values`, their count known to the reader.
    pub fn f64s(&mut self, values: &[f64]) {
        for &v in values {
            self.f64(v);
        }
    }
    /// `values` sparse: a bitmap of the non-zero entries, then those
    /// entries; the count is known to the reader.
    pub fn sparse(&mut self, values: &[f64]) {
        let start = self.bytes.len();
        self.bytes.resize(start + values.len().div_ceil(8), 0);
        for (i, v) in values.iter().enumerate() {
            if v.to_bits() != 0 {
                self.bytes[start + i / 8] |= 1 << (i % 8);
            }
        }
        for &v in values {
            if v.to_bits() != 0 {
                self.f64(v);
            }
        }
    }
}

/// Reads values back, failing (with `None`) at the end of the bytes.
pub struct Dec<'a> {
    bytes: &'a [u8],
}

impl<'a> Dec<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Dec { bytes }
    }
    /// Nothing left.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.bytes.split_first_chunk::<N>()?;
        self.bytes = rest;
        Some(*head)
    }
    /// A `u8`.
    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    /// A `u32`.
    pub fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    /// A `u64`.
    pub fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    /// An `f64`, by its bits.
    pub fn f64(&mut self) -> Option<f64> {
        self.u64().map(f64::from_bits)
    }
    /// A length, no larger than what the remaining bytes could hold at
    /// `min_size` bytes an item (so a damaged file cannot ask for memory
    /// it does not have).
    pub fn len(&mut self, min_size: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(min_size.max(1))? <= self.bytes.len()).then_some(n)
    }
    /// `out.len()` values.
    pub fn f64s(&mut self, out: &mut [f64]) -> Option<()> {
        for v in out.iter_mut() {
            *v = self.f64()?;
        }
        Some(())
    }
    /// `out.len()` values written by [`Enc::sparse`].
    pub fn sparse(&mut self, out: &mut [f64]) -> Option<()> {
        let map_len = out.len().div_ceil(8);
        let map = self.bytes.get(..map_len)?;
        self.bytes = &self.bytes[map_len..];
        for (i, v) in out.iter_mut().enumerate() {
            *v = if map[i / 8] & (1 << (i % 8)) != 0 {
                self.f64()?
            } else {
                0.0
            };
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_bit_for_bit() {
        let values = [0.0, -0.0, 1.5, 0.0, f64::MIN_POSITIVE, 0.0, 0.0, 0.0, 3.0];
        let mut enc = Enc::default();
        enc.u8(7);
        enc.u32(9);
        enc.sparse(&values);
        enc.f64s(&values);
        let mut dec = Dec::new(&enc.bytes);
        assert_eq!((dec.u8(), dec.u32()), (Some(7), Some(9)));
        for _ in 0..2 {
            let mut back = [1.0; 9];
            if dec.is_empty() {
                panic!("ended early");
            }
            let first = back.len() == 9 && dec.bytes.len() > 72;
            if first {
                dec.sparse(&mut back).unwrap();
            } else {
                dec.f64s(&mut back).unwrap();
            }
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&back), bits(&values));
        }
        assert!(dec.is_empty());
        assert_eq!(dec.u8(), None);
    }

    #[test]
    fn a_damaged_length_is_refused_not_allocated() {
        let mut enc = Enc::default();
        enc.u64(u64::MAX / 2);
        assert_eq!(Dec::new(&enc.bytes).len(8), None);
    }
}
