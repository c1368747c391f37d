//! Bodies a recorder kept as they came over the wire: compressed, with the response's
//! `Content-Encoding: gzip` (or `deflate`) beside them. Ruby VCR does this unless
//! `decode_compressed_response` is set, writing the bytes as `base64_string`. Read as they are,
//! such a body is "not JSON", and whatever it holds (a customer's address, a token) is out of
//! the secret check's sight; so the gate and `scrub` read it decoded. A body whose bytes do not
//! start as the encoding's do (a recorder that decoded it and kept the header) is read as it
//! is; one that starts so but does not decode is read as it is too, and the checks of its
//! content report it. Decoding stops at [`MAX_DECODED`] bytes, a bound on what a small body
//! can grow into.

use std::io::Read;

/// The most bytes a compressed body is decoded to; past it the body is read as recorded.
const MAX_DECODED: u64 = 64 * 1024 * 1024;

/// A compression a body can be recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    /// HTTP's `deflate`: zlib's format.
    Deflate,
}

/// The coding `headers` say their body is in, when it is one this module reads and the only
/// one (`Content-Encoding: gzip`; not `gzip, br`).
fn coding(headers: &[(String, String)]) -> Option<Coding> {
    let mut named = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    let (_, value) = named.next()?;
    if named.next().is_some() {
        return None;
    }
    match value.trim().to_ascii_lowercase().as_str() {
        "gzip" | "x-gzip" => Some(Coding::Gzip),
        "deflate" => Some(Coding::Deflate),
        _ => None,
    }
}

/// `body` decoded, when `headers` say it is compressed and it is: `None` when it is to be
/// read as it is (see the module).
pub(crate) fn decoded(headers: &[(String, String)], body: &[u8]) -> Option<Vec<u8>> {
    decoded_within(headers, body, MAX_DECODED)
}

/// [`decoded`], stopping at `max` bytes.
fn decoded_within(headers: &[(String, String)], body: &[u8], max: u64) -> Option<Vec<u8>> {
    let coding = coding(headers)?;
    let starts = match coding {
        Coding::Gzip => body.starts_with(&[0x1f, 0x8b]),
        // zlib: a deflate method nibble, and a header whose check bits hold.
        Coding::Deflate => {
            body.len() >= 2
                && body[0] & 0x0f == 8
                && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0
        }
    };
    if !starts {
        return None;
    }
    let mut out = Vec::new();
    let read = match coding {
        Coding::Gzip => flate2::read::MultiGzDecoder::new(body)
            .take(max + 1)
            .read_to_end(&mut out),
        Coding::Deflate => flate2::read::ZlibDecoder::new(body)
            .take(max + 1)
            .read_to_end(&mut out),
    };
    (read.is_ok() && out.len() as u64 <= max).then_some(out)
}

/// `headers` without their `Content-Encoding`: what a body written decoded is recorded with.
pub(crate) fn without_encoding(headers: &mut Vec<(String, String)>) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-encoding"));
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap()
    }

    fn headers(encoding: &str) -> Vec<(String, String)> {
        vec![("Content-Encoding".into(), encoding.into())]
    }

    #[test]
    fn a_compressed_body_is_read_decoded_and_anything_else_as_it_is() {
        let body = br#"{"reference_id": "CUST-1"}"#;
        assert_eq!(
            decoded(&headers("gzip"), &gzip(body)).as_deref(),
            Some(&body[..])
        );
        assert_eq!(
            decoded(&headers("X-GZIP"), &gzip(body)).as_deref(),
            Some(&body[..])
        );
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(body).unwrap();
        let zlib = zlib.finish().unwrap();
        assert_eq!(
            decoded(&headers("deflate"), &zlib).as_deref(),
            Some(&body[..])
        );
        // Already decoded by the recorder, the header kept: read as it is.
        assert_eq!(decoded(&headers("gzip"), body), None);
        // Not compressed at all, or in a coding not read here.
        assert_eq!(decoded(&[], &gzip(body)), None);
        assert_eq!(decoded(&headers("br"), &gzip(body)), None);
        // Starts as gzip, but cut short: read as recorded, for the checks to report.
        let cut = &gzip(body)[..12];
        assert_eq!(decoded(&headers("gzip"), cut), None);
    }

    #[test]
    fn a_body_that_would_decode_past_the_bound_is_read_as_recorded() {
        let big = vec![b'a'; 4097];
        assert_eq!(decoded_within(&headers("gzip"), &gzip(&big), 4096), None);
        assert_eq!(
            decoded_within(&headers("gzip"), &gzip(&big[1..]), 4096).map(|b| b.len()),
            Some(4096)
        );
    }
}
