//! Tables as Juju's tabular output prints them: each column as wide as its
//! widest cell, two spaces apart, sections one blank line apart, no
//! trailing spaces.

use std::fmt::Write as _;

/// One section of a table: its headers and rows.
pub struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[&str]) -> Self {
        Self {
            rows: vec![headers.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row (as many cells as headers). A cell's control characters
    /// are shown escaped: cells hold a charm's words (status messages,
    /// versions, databag values), never its terminal commands.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(
            cells
                .into_iter()
                .map(|cell| super::terminal::escape_controls(&cell).into_owned())
                .collect(),
        );
    }

    /// Whether it has rows beside its headers.
    pub fn is_empty(&self) -> bool {
        self.rows.len() <= 1
    }

    /// The table as text, every line ending in a newline.
    pub fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(c))
                    .map(|cell| cell.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (c, cell) in row.iter().enumerate() {
                let _ = write!(line, "{cell:width$}  ", width = widths[c]);
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_their_widest_cell() {
        let mut table = Table::new(&["Unit", "Workload", "Message"]);
        table.row(vec!["hello/0*".into(), "active".into(), "".into()]);
        assert_eq!(
            table.render(),
            "Unit      Workload  Message\nhello/0*  active\n"
        );
    }
}
