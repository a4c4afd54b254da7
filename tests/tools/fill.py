#!/usr/bin/env python3
"""Fill an issued department form the way a clerk (or a careless one) would,
for the end-to-end tests. Locates everything by header names and labels, like
the reader under test, never by fixed cell positions.

    python3 fill.py FORM.xlsx OUT.xlsx SPEC.json

SPEC: {
  "values":   {"P05-1": 700, "P12-1": "3个", ...},       # 累计完成
  "text":     {"P06-2": {"存在问题": "...", "下步措施": "..."}},
  "progress": "...",                                      # 工作进展 for every row
  "footer":   {"填报人": "张三", "联系电话": "0730-6221234", "填报日期": "2024-04-02"},
  "target":   {"P05-1": 650},                             # overwrite 年度目标
  "unit":     {"P05-1": "元"},
  "formula":  {"P12-1": "=1+2"},                          # a formula without cached value
  "add_rows": [["P99-1", 1], ["P01-1", 2]],               # extra rows: code, 累计完成
  "drop_rows": ["P13-1"],
  "dup_rows": ["P12-1"],
  "insert_rows_at_top": 2, "insert_cols_at_left": 1,
  "rename_sheet": "Sheet1", "move_sheet_last": true,
  "drop_meta": true, "meta": {"period": "2024-02"},       # tamper with _meta
  "header":   {"累计完成": "1-3月累计完成"},               # rename header cells, last of all
  "own_table": [["项目", "数量"], ["低保", 3]]             # the form's sheet replaced by a table of one's own
}
"""
import json
import sys

import openpyxl

HEADERS = ["序号", "指标编号", "重点民生实事", "指标", "单位", "年度目标", "累计完成",
           "完成率", "工作进展", "存在问题", "下步措施"]
FOOTER = ["填报人", "联系电话", "填报日期"]


def norm(v):
    return "".join(str(v or "").split()).rstrip(":：")


def layout(ws):
    for row in ws.iter_rows(min_row=1, max_row=40):
        names = {norm(c.value): c.column for c in row if c.value}
        if "指标编号" in names and "累计完成" in names:
            hr = row[0].row
            cols = {h: names[h] for h in HEADERS if h in names}
            rows = {}
            for r in range(hr + 1, ws.max_row + 1):
                code = norm(ws.cell(r, cols["指标编号"]).value)
                if "-" in code and code not in rows:
                    rows[code] = r
            return hr, cols, rows
    raise SystemExit("no header row")


def footer_cell(ws, label):
    for row in ws.iter_rows():
        for c in row:
            if norm(c.value) == label:
                col = c.column
                for rng in ws.merged_cells.ranges:
                    if c.coordinate in rng:
                        col = rng.max_col
                return ws.cell(c.row, col + 1)
    return None


def main():
    src, out, spec_path = sys.argv[1:4]
    spec = json.load(open(spec_path, encoding="utf-8"))
    wb = openpyxl.load_workbook(src)
    ws = wb["填报表"]
    ws.protection.sheet = False
    if spec.get("insert_rows_at_top"):
        # Unmerge first: openpyxl moves cells but not merged ranges.
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.insert_rows(1, spec["insert_rows_at_top"])
    if spec.get("insert_cols_at_left"):
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.insert_cols(1, spec["insert_cols_at_left"])
    hr, cols, rows = layout(ws)
    for code, v in spec.get("values", {}).items():
        ws.cell(rows[code], cols["累计完成"]).value = v
    for code, f in spec.get("formula", {}).items():
        ws.cell(rows[code], cols["累计完成"]).value = f
    for code, v in spec.get("target", {}).items():
        ws.cell(rows[code], cols["年度目标"]).value = v
    for code, v in spec.get("unit", {}).items():
        ws.cell(rows[code], cols["单位"]).value = v
    if "progress" in spec:
        for r in rows.values():
            ws.cell(r, cols["工作进展"]).value = spec["progress"]
    for code, texts in spec.get("text", {}).items():
        for h, v in texts.items():
            ws.cell(rows[code], cols[h]).value = v
    for label, v in spec.get("footer", {}).items():
        c = footer_cell(ws, label)
        if label == "填报日期" and isinstance(v, str) and len(v) == 10:
            import datetime
            v = datetime.datetime.strptime(v, "%Y-%m-%d")
        c.value = v
    last = max(rows.values())
    extra = [(code, v) for code, v in spec.get("add_rows", [])]
    extra += [(code, ws.cell(rows[code], cols["累计完成"]).value) for code in spec.get("dup_rows", [])]
    for i, (code, v) in enumerate(extra):
        ws.insert_rows(last + 1 + i)
        ws.cell(last + 1 + i, cols["指标编号"]).value = code
        ws.cell(last + 1 + i, cols["累计完成"]).value = v
    for code in spec.get("drop_rows", []):
        ws.delete_rows(layout(ws)[2][code])
    if spec.get("header"):
        hr, cols, _ = layout(ws)
        for h, new in spec["header"].items():
            ws.cell(hr, cols[h]).value = new
    if "own_table" in spec:
        for rng in list(ws.merged_cells.ranges):
            ws.unmerge_cells(str(rng))
        ws.data_validations.dataValidation = []
        ws.delete_rows(1, ws.max_row)
        for row in spec["own_table"]:
            ws.append(row)
    if spec.get("rename_sheet"):
        ws.title = spec["rename_sheet"]
    if spec.get("move_sheet_last"):
        wb.move_sheet(ws, offset=len(wb.sheetnames) - 1)
    if spec.get("drop_meta"):
        del wb["_meta"]
    for k, v in spec.get("meta", {}).items():
        m = wb["_meta"]
        for row in m.iter_rows():
            if row[0].value == k:
                row[1].value = v
    wb.save(out)


if __name__ == "__main__":
    main()
