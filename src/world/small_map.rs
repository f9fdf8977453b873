//! A map kept as a sorted vector: what objects hold their attributes and locks in.
//! Objects have a handful of each, and a `BTreeMap` node costs over 500 bytes even for
//! one entry; with 100,000 objects that is the difference between fitting and not.

/// String keys to string values, sorted by key; lookups are binary searches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SmallMap {
    entries: Vec<(String, String)>,
}

impl SmallMap {
    pub fn get(&self, key: &str) -> Option<&String> {
        let i = self.find(key).ok()?;
        Some(&self.entries[i].1)
    }

    /// Sets a value; returns the one it replaced.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            Err(i) => {
                self.entries.insert(i, (key, value));
                None
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.find(key).ok()?;
        Some(self.entries.remove(i).1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }
}

impl FromIterator<(String, String)> for SmallMap {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut entries: Vec<(String, String)> = iter.into_iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // Later duplicates win, as with repeated inserts.
        entries.reverse();
        entries.dedup_by(|later, earlier| later.0 == earlier.0);
        entries.reverse();
        entries.shrink_to_fit();
        SmallMap { entries }
    }
}

impl<'a> IntoIterator for &'a SmallMap {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_sorted_map() {
        let mut m = SmallMap::default();
        assert_eq!(m.insert("B".into(), "2".into()), None);
        assert_eq!(m.insert("A".into(), "1".into()), None);
        assert_eq!(m.insert("B".into(), "3".into()), Some("2".into()));
        assert_eq!(m.get("B").map(String::as_str), Some("3"));
        let keys: Vec<&String> = m.iter().map(|(k, _)| k).collect();
        assert_eq!(keys, ["A", "B"]);
        assert_eq!(m.remove("A"), Some("1".into()));
        assert_eq!(m.len(), 1);
        let built: SmallMap = [
            ("Z".to_string(), "a".to_string()),
            ("Z".into(), "b".into()),
            ("Y".into(), "c".into()),
        ]
        .into_iter()
        .collect();
        assert_eq!(built.get("Z").map(String::as_str), Some("b"));
        assert_eq!(built.len(), 2);
    }
}
