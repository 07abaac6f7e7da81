//! [`Tags`]: a short list of fixed labels (NIST CSF subcategories, OWASP NHI codes) that
//! an output carries. Built from static data at no cost; owned when read back from JSON.
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A list of labels, such as the NIST CSF 2.0 subcategories a report section evidences
/// (`["PR.PS-02", "ID.RA-06"]`) or the OWASP NHI codes of a reused secret.
///
/// The outputs build it from `'static` data with [`Tags::new`], a `const fn` that
/// neither allocates nor copies; deserialising (reading a report's JSON back) gives an
/// owned list. Both forms compare, hash, print and serialise the same way: as the list
/// of strings.
///
/// ```
/// use patchloop_model::Tags;
///
/// const CSF: Tags = Tags::new(&["PR.PS-02", "ID.RA-06"]);
/// assert_eq!(CSF.join(", "), "PR.PS-02, ID.RA-06");
/// let json = serde_json::to_string(&CSF)?;
/// assert_eq!(json, r#"["PR.PS-02","ID.RA-06"]"#);
/// let back: Tags = serde_json::from_str(&json)?;
/// assert_eq!(back, CSF);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct Tags(Repr);

#[derive(Clone)]
enum Repr {
    /// Built from static data: no allocation.
    Static(&'static [&'static str]),
    /// Read back from JSON, or built at run time.
    Owned(Vec<String>),
}

impl Tags {
    /// No tags.
    pub const EMPTY: Tags = Tags::new(&[]);

    /// Tags from static data, without allocating.
    pub const fn new(tags: &'static [&'static str]) -> Tags {
        Tags(Repr::Static(tags))
    }

    /// Tags owned at run time.
    pub fn owned(tags: Vec<String>) -> Tags {
        Tags(Repr::Owned(tags))
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Static(s) => s.len(),
            Repr::Owned(v) => v.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th tag.
    pub fn get(&self, i: usize) -> Option<&str> {
        match &self.0 {
            Repr::Static(s) => s.get(i).copied(),
            Repr::Owned(v) => v.get(i).map(String::as_str),
        }
    }

    /// The tags, in order.
    pub fn iter(&self) -> TagsIter<'_> {
        TagsIter { tags: self, i: 0 }
    }

    /// Whether `tag` is one of them.
    pub fn contains(&self, tag: &str) -> bool {
        self.iter().any(|t| t == tag)
    }

    /// The tags joined by `sep` (`"PR.PS-02, ID.RA-06"`), as `[&str]::join` gives them.
    pub fn join(&self, sep: &str) -> String {
        match &self.0 {
            Repr::Static(s) => s.join(sep),
            Repr::Owned(v) => v.join(sep),
        }
    }
}

impl Default for Tags {
    fn default() -> Self {
        Tags::EMPTY
    }
}

impl From<&'static [&'static str]> for Tags {
    fn from(tags: &'static [&'static str]) -> Self {
        Tags::new(tags)
    }
}

impl From<Vec<String>> for Tags {
    fn from(tags: Vec<String>) -> Self {
        Tags::owned(tags)
    }
}

impl PartialEq for Tags {
    fn eq(&self, other: &Tags) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Tags {}

impl PartialEq<[&str]> for Tags {
    fn eq(&self, other: &[&str]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl PartialEq<&[&str]> for Tags {
    fn eq(&self, other: &&[&str]) -> bool {
        *self == **other
    }
}

impl PartialEq<Vec<&str>> for Tags {
    fn eq(&self, other: &Vec<&str>) -> bool {
        *self == other[..]
    }
}

impl<const N: usize> PartialEq<[&str; N]> for Tags {
    fn eq(&self, other: &[&str; N]) -> bool {
        *self == other[..]
    }
}

impl std::hash::Hash for Tags {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for t in self {
            t.hash(state);
        }
    }
}

impl fmt::Debug for Tags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Tags {
    /// A sequence of strings, exactly as a `&[&str]` serialises.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Tags {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Tags::owned)
    }
}

/// The tags of a [`Tags`], in order.
#[derive(Debug, Clone)]
pub struct TagsIter<'a> {
    tags: &'a Tags,
    i: usize,
}

impl<'a> Iterator for TagsIter<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let t = self.tags.get(self.i)?;
        self.i += 1;
        Some(t)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.tags.len().saturating_sub(self.i);
        (n, Some(n))
    }
}

impl ExactSizeIterator for TagsIter<'_> {}

impl<'a> IntoIterator for &'a Tags {
    type Item = &'a str;
    type IntoIter = TagsIter<'a>;

    fn into_iter(self) -> TagsIter<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_and_owned_tags_are_the_same_list() {
        let s = Tags::new(&["a", "b"]);
        let o = Tags::owned(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(s, o);
        assert_eq!(s, ["a", "b"]);
        assert_ne!(s, Tags::new(&["a"]));
        assert_eq!(o.join(", "), "a, b");
        assert_eq!(o.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert!(o.contains("b") && !s.contains("c"));
        assert_eq!(format!("{s:?}"), r#"["a", "b"]"#);
        assert!(Tags::default().is_empty());
    }

    #[test]
    fn tags_serialise_as_a_list_of_strings_and_read_back() {
        let s = Tags::new(&["PR.AA-01", "DE.CM-09"]);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(
            json,
            serde_json::to_string(&["PR.AA-01", "DE.CM-09"]).unwrap()
        );
        let back: Tags = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
        assert_eq!(serde_json::to_string(&Tags::EMPTY).unwrap(), "[]");
    }
}
