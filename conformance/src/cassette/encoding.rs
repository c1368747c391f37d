//! Bodies a recorder kept as they came over the wire: compressed, with the response's
//! `Content-Encoding: gzip` (or `deflate`) beside them. Ruby VCR does this unless
//! `decode_compressed_response` is set, writing the bytes as `base64_string`. Read as they are,
//! such a body is "not JSON", and whatever it holds (a customer's address, a token) is out of
//! the secret check's sight; so the gate and `scrub` read it decoded (each coding of the
//! header, in turn: `gzip, gzip` twice). A body that is text already (a recorder that decoded
//! it and kept the header) is read as it is. One that cannot be decoded to text (`br`, bytes
//! cut short, more than [`MAX_DECODED`] bytes, a bound on what a small body can grow into) is
//! [`unreadable`]: the gate reports it, and `scrub` leaves its file as it is, since neither can
//! look into it.

use std::io::Read;

/// The most bytes a compressed body is decoded to, in MiB; past it the body is read as
/// recorded.
pub(crate) const MAX_DECODED_MIB: u64 = 64;

/// [`MAX_DECODED_MIB`] in bytes.
const MAX_DECODED: u64 = MAX_DECODED_MIB * 1024 * 1024;

/// A compression a body can be recorded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    /// HTTP's `deflate`: zlib's format, or (as some servers send it) raw deflate.
    Deflate,
    /// One this module does not read (`br`, `zstd`).
    Other,
}

/// The codings `headers` say their body is in, in the order they were applied (every
/// `Content-Encoding` header, each a comma-separated list; `identity` is none).
fn codings(headers: &[(String, String)]) -> Vec<Coding> {
    let named = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    let tokens = named.flat_map(|(_, v)| v.split(','));
    tokens
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty() && t != "identity")
        .map(|t| match t.as_str() {
            "gzip" | "x-gzip" => Coding::Gzip,
            "deflate" => Coding::Deflate,
            _ => Coding::Other,
        })
        .collect()
}

/// `body` decoded, when `headers` say it is compressed and it is: `None` when it is to be
/// read as it is (see the module). A body that is text already was decoded by its recorder,
/// which kept the header (compressed bytes are, but for a body of a few bytes, not UTF-8:
/// gzip's second byte cannot start a character, and deflate's output is as good as random).
pub(crate) fn decoded(headers: &[(String, String)], body: &[u8]) -> Option<Vec<u8>> {
    decoded_within(headers, body, MAX_DECODED)
}

/// [`decoded`], stopping at `max` bytes.
fn decoded_within(headers: &[(String, String)], body: &[u8], max: u64) -> Option<Vec<u8>> {
    let codings = codings(headers);
    if codings.is_empty() || std::str::from_utf8(body).is_ok() {
        return None;
    }
    let mut bytes = body.to_vec();
    for coding in codings.into_iter().rev() {
        bytes = decode(coding, &bytes, max)?;
    }
    Some(bytes)
}

/// `bytes` decoded from `coding`, or `None` (a coding not read here, bytes that do not decode,
/// or more than `max` bytes).
fn decode(coding: Coding, bytes: &[u8], max: u64) -> Option<Vec<u8>> {
    let read = |reader: &mut dyn Read| {
        let mut out = Vec::new();
        let read = reader.take(max + 1).read_to_end(&mut out);
        (read.is_ok() && out.len() as u64 <= max).then_some(out)
    };
    match coding {
        Coding::Gzip => read(&mut flate2::read::MultiGzDecoder::new(bytes)),
        Coding::Deflate => read(&mut flate2::read::ZlibDecoder::new(bytes))
            .or_else(|| read(&mut flate2::read::DeflateDecoder::new(bytes))),
        Coding::Other => None,
    }
}

/// The `Content-Encoding` a body was read with when it could not be decoded to text (a coding
/// not read here, bytes cut short, more than [`MAX_DECODED`]): `body` is the body as read
/// ([`decoded`], or as recorded), so nothing in it was checked. `None` for any other.
pub(crate) fn unreadable(headers: &[(String, String)], body: &[u8]) -> Option<String> {
    if codings(headers).is_empty() || std::str::from_utf8(body).is_ok() {
        return None;
    }
    let named = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("content-encoding"));
    Some(named.map(|(_, v)| v.trim()).collect::<Vec<_>>().join(", "))
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
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(body).unwrap();
        let raw = raw.finish().unwrap();
        assert_eq!(
            decoded(&headers("deflate"), &raw).as_deref(),
            Some(&body[..])
        );
        let twice = gzip(&gzip(body));
        assert_eq!(
            decoded(&headers("gzip, gzip"), &twice).as_deref(),
            Some(&body[..])
        );
        assert_eq!(decoded(&headers("identity"), body), None);
        // Already decoded by the recorder, the header kept: read as it is.
        assert_eq!(decoded(&headers("gzip"), body), None);
        assert_eq!(unreadable(&headers("gzip"), body), None);
        // Not compressed at all.
        assert_eq!(decoded(&[], &gzip(body)), None);
        assert_eq!(unreadable(&[], &gzip(body)), None);
        // A coding not read here, or one that does not decode: unreadable, naming the header.
        for (coding, recorded) in [
            ("br", gzip(body)),
            ("gzip, br", gzip(body)),
            ("gzip", gzip(body)[..12].to_vec()),
        ] {
            assert_eq!(decoded(&headers(coding), &recorded), None, "{coding}");
            assert_eq!(
                unreadable(&headers(coding), &recorded).as_deref(),
                Some(coding)
            );
        }
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
