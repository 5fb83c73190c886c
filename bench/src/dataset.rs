//! Deterministic, realistic CSVs: [`generate`] writes order lines of any size with ids,
//! dates, date-times, names and categories that need quoting (embedded commas and doubled
//! quotes), integers, decimals and booleans, and some empty (null) cells, for the profile;
//! [`sales`] writes a plain sales table of any number of rows for the analyst to answer
//! questions about. The same size always gives the same bytes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

const HEADER: &str =
    "order_id,order_date,shipped_at,customer,category,region,quantity,unit_price,discount,amount,paid,note\n";
const FIRST_NAMES: [&str; 16] = [
    "Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Tim",
    "Sophie", "Linus", "Hedy", "Dennis",
];
const LAST_NAMES: [&str; 16] = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Berners-Lee",
    "Wilson",
    "Torvalds",
    "Lamarr",
    "O'Neil",
];
const COMPANY_WORDS: [&str; 8] = [
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
];
/// Written as they must appear in the file: quoted where they hold a comma or a quote.
const CATEGORIES: [&str; 10] = [
    "Electronics",
    "\"Books, Music & Film\"",
    "Home & Garden",
    "\"Toys \"\"R\"\" Fun\"",
    "Grocery",
    "\"Health, Beauty\"",
    "Sports",
    "Automotive",
    "Office",
    "\"Clothing, Shoes & Jewelry\"",
];
const REGIONS: [&str; 5] = ["North", "South", "East", "West", "Central"];
const NOTES: [&str; 6] = [
    "gift wrap",
    "\"leave at door, ring twice\"",
    "express",
    "\"customer said \"\"thanks\"\"\"",
    "fragile",
    "returned item replaced",
];

/// SplitMix64: tiny, fast and the same everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// The civil date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to 2019-01-01, where the orders start.
const FIRST_ORDER_DAY: i64 = 17_897;

/// Writes one order line into `line`.
fn write_row(line: &mut Vec<u8>, id: u64, random: &mut Random) -> io::Result<()> {
    let day = FIRST_ORDER_DAY + random.below(6 * 365) as i64;
    let (year, month, date) = civil_from_days(day);
    write!(line, "{id},{year:04}-{month:02}-{date:02},")?;
    if !random.percent(3) {
        let (year, month, date) = civil_from_days(day + 1 + random.below(10) as i64);
        let second = random.below(86_400);
        write!(
            line,
            "{year:04}-{month:02}-{date:02} {:02}:{:02}:{:02}",
            second / 3600,
            second / 60 % 60,
            second % 60
        )?;
    }
    if random.percent(10) {
        let (first, second) = (random.pick(&COMPANY_WORDS), random.pick(&COMPANY_WORDS));
        write!(line, ",\"{first} \"\"{second}\"\" Ltd\",")?;
    } else {
        let (last, first) = (random.pick(&LAST_NAMES), random.pick(&FIRST_NAMES));
        write!(line, ",\"{last}, {first}\",")?;
    }
    line.extend_from_slice(random.pick(&CATEGORIES).as_bytes());
    line.push(b',');
    if !random.percent(1) {
        line.extend_from_slice(random.pick(&REGIONS).as_bytes());
    }
    line.push(b',');
    let quantity = (!random.percent(2)).then(|| 1 + random.below(20));
    if let Some(quantity) = quantity {
        write!(line, "{quantity}")?;
    }
    let cents = 50 + random.below(50_000);
    write!(line, ",{}.{:02},", cents / 100, cents % 100)?;
    let discount = (!random.percent(20)).then(|| random.below(31));
    if let Some(discount) = discount {
        write!(line, "0.{discount:02}")?;
    }
    line.push(b',');
    if let Some(quantity) = quantity {
        let amount = quantity * cents * (100 - discount.unwrap_or(0)) / 100;
        write!(line, "{}.{:02}", amount / 100, amount % 100)?;
    }
    line.extend_from_slice(if random.percent(85) { b",true," } else { b",false," });
    if random.percent(30) {
        line.extend_from_slice(random.pick(&NOTES).as_bytes());
    }
    line.push(b'\n');
    Ok(())
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Data rows (the header not counted).
    pub rows: u64,
    /// Bytes in the file.
    pub bytes: u64,
}

/// Writes whole rows to `path` until the file holds at least `target_bytes`.
pub fn generate(path: &Path, target_bytes: u64) -> io::Result<Written> {
    let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    file.write_all(HEADER.as_bytes())?;
    let mut written = Written {
        rows: 0,
        bytes: HEADER.len() as u64,
    };
    let mut random = Random(0x5E37_A47B_E7C4_0001);
    let mut line = Vec::with_capacity(256);
    while written.bytes < target_bytes {
        line.clear();
        write_row(&mut line, written.rows + 1, &mut random)?;
        file.write_all(&line)?;
        written.rows += 1;
        written.bytes += line.len() as u64;
    }
    file.flush()?;
    Ok(written)
}

const SALES_HEADER: &str = "order_date,region,product,quantity,unit_price,amount\n";
/// Products and their list prices in cents; each sale's price is within 10% of it.
const PRODUCTS: [(&str, u64); 12] = [
    ("Laptop", 89_900),
    ("Monitor", 22_900),
    ("Keyboard", 4_900),
    ("Mouse", 1_900),
    ("Headphones", 8_900),
    ("Webcam", 5_900),
    ("Desk", 34_900),
    ("Chair", 19_900),
    ("Lamp", 2_900),
    ("Notebook", 450),
    ("Pen", 120),
    ("Backpack", 6_900),
];
/// Days from 1970-01-01 to 2022-01-01, where the sales start (three years of them).
const FIRST_SALE_DAY: i64 = 18_993;

/// Writes `rows` sales lines (after the header) to `out`: the bytes written.
pub fn write_sales(out: &mut impl Write, rows: u64) -> io::Result<u64> {
    out.write_all(SALES_HEADER.as_bytes())?;
    let mut bytes = SALES_HEADER.len() as u64;
    let mut random = Random(0x5A1E_5000_0000_0001);
    let mut line = Vec::with_capacity(96);
    for _ in 0..rows {
        line.clear();
        let (year, month, day) = civil_from_days(FIRST_SALE_DAY + random.below(3 * 365 + 1) as i64);
        let (product, list_price) = PRODUCTS[random.below(PRODUCTS.len() as u64) as usize];
        let quantity = 1 + random.below(10);
        let cents = list_price * (90 + random.below(21)) / 100;
        let amount = quantity * cents;
        writeln!(
            line,
            "{year:04}-{month:02}-{day:02},{},{product},{quantity},{}.{:02},{}.{:02}",
            random.pick(&REGIONS),
            cents / 100,
            cents % 100,
            amount / 100,
            amount % 100
        )?;
        out.write_all(&line)?;
        bytes += line.len() as u64;
    }
    Ok(bytes)
}

/// Writes a sales table of `rows` rows to `path`.
pub fn sales(path: &Path, rows: u64) -> io::Result<Written> {
    let mut file = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let bytes = write_sales(&mut file, rows)?;
    file.flush()?;
    Ok(Written { rows, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(FIRST_ORDER_DAY), (2019, 1, 1));
        assert_eq!(civil_from_days(FIRST_ORDER_DAY + 58), (2019, 2, 28));
        assert_eq!(civil_from_days(18_321), (2020, 2, 29));
        assert_eq!(civil_from_days(FIRST_SALE_DAY), (2022, 1, 1));
        assert_eq!(civil_from_days(FIRST_SALE_DAY + 3 * 365), (2024, 12, 31));
    }

    #[test]
    fn sales_rows_are_consistent_and_deterministic() {
        let (mut first, mut second) = (Vec::new(), Vec::new());
        let bytes = write_sales(&mut first, 500).expect("write");
        write_sales(&mut second, 500).expect("write");
        assert_eq!(first, second);
        assert_eq!(bytes, first.len() as u64);
        let text = String::from_utf8(first).expect("utf-8");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(SALES_HEADER.trim_end()));
        let mut years = std::collections::BTreeSet::new();
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 6, "{line}");
            years.insert(fields[0][..4].to_owned());
            let quantity: f64 = fields[3].parse().expect("quantity");
            let price: f64 = fields[4].parse().expect("unit_price");
            let amount: f64 = fields[5].parse().expect("amount");
            assert!((amount - quantity * price).abs() < 0.005, "{line}");
        }
        assert_eq!(years.into_iter().collect::<Vec<_>>(), ["2022", "2023", "2024"]);
    }

    #[test]
    fn generated_file_is_deterministic_with_twelve_fields_per_row() {
        let dir = std::env::temp_dir().join(format!("sextant-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
        let written = generate(&a, 200_000).expect("generate");
        generate(&b, 200_000).expect("generate");
        let text = std::fs::read_to_string(&a).expect("read");
        assert_eq!(text.as_bytes(), std::fs::read(&b).expect("read").as_slice());
        assert_eq!(written.bytes, text.len() as u64);
        assert!(written.bytes >= 200_000);
        assert_eq!(text.lines().count() as u64, written.rows + 1);
        for line in text.lines() {
            assert_eq!(fields(line), 12, "{line}");
        }
        assert!(text.contains("\"\""), "doubled quotes appear");
        assert!(text.contains(",,"), "empty cells appear");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// Counts the fields of a CSV line, honouring quotes.
    fn fields(line: &str) -> usize {
        let mut quoted = false;
        1 + line
            .chars()
            .filter(|&c| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == ',' && !quoted
            })
            .count()
    }
}
