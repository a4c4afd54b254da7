//! Generated hostile text for the tests of every parser of outside text.

/// Generated text of the shapes that break careless parsing: multi-byte
/// characters next to the ASCII a parser looks for, full-width twins of
/// its punctuation, control characters, a BOM, surrogate-free emoji, and
/// the words and numbers of plans, cells, mail and configuration.
pub(crate) struct Hostile(u64);

const PIECES: &[&str] = &[
    "一",
    "二",
    "十",
    "、",
    "（",
    "）",
    "(",
    ")",
    "：",
    ":",
    "；",
    "，",
    "。",
    ",",
    ".",
    "．",
    "牵头",
    "责任单位",
    "（县教育局牵头）",
    "县",
    "局",
    "万",
    "%",
    "％",
    "个",
    "人",
    "元",
    "户",
    "约",
    "近",
    "超",
    "0",
    "1",
    "9",
    "12",
    "3.5",
    "1,000",
    "１２",
    "-",
    "—",
    "－",
    "年",
    "月",
    "日",
    "第",
    "项",
    "「",
    "」",
    "【",
    "】",
    "é",
    "😀",
    "\u{0}",
    "\u{7}",
    "\u{FEFF}",
    "\u{200B}",
    "=",
    "省级",
    "市级",
    "县级",
    "一、",
    "（一）",
    "1.",
    "1、",
    "①",
    "任务",
    "目标",
    "完成",
    "P01",
    "P01-1",
    "<",
    ">",
    "\"",
    "'",
    "\\",
    "/",
    "=?utf-8?B?",
    "?=",
    "\r\n",
    "\n",
    "\t",
    " ",
    "　",
    "250",
    "550",
    "5.7.1",
    "-",
    "[plan]",
    "[web]",
    "catalog",
    "listen",
    "#",
    "@",
    "@@",
    "<>",
    "Message-ID:",
    "From:",
    "Subject:",
    "Content-Type:",
    "…",
    "...",
    "~",
    "至",
    "不少于",
    "达到",
    "以上",
];

impl Hostile {
    pub(crate) fn new(seed: u64) -> Hostile {
        Hostile(seed | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*: the same cases on every run, so a failure repeats.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `pieces` pieces, now and then a random character.
    pub(crate) fn text(&mut self, pieces: usize) -> String {
        let n = self.below(pieces + 1);
        let mut s = String::new();
        for _ in 0..n {
            if self.below(8) == 0 {
                let c = char::from_u32(self.below(0x3_0000) as u32).unwrap_or('\u{FFFD}');
                s.push(c);
            } else {
                s.push_str(PIECES[self.below(PIECES.len())]);
            }
        }
        s
    }

    /// Text cut at a random byte, so its UTF-8 may end mid-character, with
    /// some bytes flipped.
    pub(crate) fn bytes(&mut self, pieces: usize) -> Vec<u8> {
        let mut b = self.text(pieces).into_bytes();
        if !b.is_empty() {
            b.truncate(self.below(b.len() + 1));
            for _ in 0..self.below(3) {
                let i = self.below(b.len().max(1));
                if let Some(x) = b.get_mut(i) {
                    *x = self.next() as u8;
                }
            }
        }
        b
    }

    pub(crate) fn lines(&mut self, max_lines: usize, pieces: usize) -> Vec<String> {
        (0..self.below(max_lines + 1))
            .map(|_| self.text(pieces))
            .collect()
    }
}
