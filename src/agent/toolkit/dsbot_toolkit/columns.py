"""Streaming statistics of one column (pass 1 of the profile), bounded in memory.

Each chunk is reduced to its distinct values with counts first, so regexes and parsers run
once per distinct value. Kept across chunks: a capped value counter, a KMV distinct sketch,
shape counts, a bottom-k reservoir of numbers for quantiles, format counts.
"""
import math
import re

import numpy as np
import pandas as pd

from . import numfmt as NF
from . import values as V
from .counter import ValueCounter
from .featmemo import FeatureMemo
from .relations import value_hashes

COUNTER_CAP = 20000      # distinct values kept with counts per column
RESERVOIR = 20000        # numbers kept for quantiles
KMV_K = 4096             # distinct-count sketch size
SHAPE_CAP = 500
LONG_SAMPLE = 3000     # distinct long-text values examined per chunk for types and patterns ...
LONG_BUDGET = 30000    # ... until this many have been examined in the column; then
LONG_SAMPLE_LATE = 500  # this many per chunk (a share is known to ±0.6% from 30,000 values)
NUMSTART_RE = r"^(?:[$£€¥]|(?:%s)\.?)?\s*[-+]?[\d.,]*\d" % "|".join(NF.CURRENCY_CODES)
_BOOL = {"true", "false", "yes", "no", "y", "n", "t", "f"}
_ID_NAME_RE = re.compile(r"(^|[^a-z])(id|uuid|guid|key|code|no|num|number|index|idx)$", re.I)


def _booleans(stripped):
    """Bool array over stripped texts: a boolean spelling, in any case."""
    return np.fromiter((len(v) <= 5 and v.lower() in _BOOL for v in stripped), dtype=bool, count=len(stripped))


class ColumnAcc:
    """Accumulates statistics of one column over the chunks."""

    def __init__(self, name, seed, decimal="."):
        self.name = name
        self.decimal = decimal
        self.rng = np.random.default_rng(seed)
        self.rows = 0
        self.chunks = 0
        self.null_count = 0
        self.null_tokens = {}
        self.counter = ValueCounter(COUNTER_CAP)
        self.kmv = np.empty(0, dtype=np.uint64)
        self.shapes = {}
        self.ws = 0
        self.inner_ws = 0
        self.n_plain = 0
        self.n_num = 0
        self.units = {}
        self.decos = {}          # 'pre|suf' decoration as written -> count ('|' = plain)
        self.n_thousands = 0
        self.decimals = {}       # digits after the decimal mark -> count (14 = float noise)
        self.n_whole = 0
        self.n_noise = 0
        self.n_dotzero = 0
        self.n_int_text = 0      # numbers written as plain integers ('12', '-3')
        self.min = math.inf
        self.max = -math.inf
        self.sum = 0.0
        self.res_keys = np.empty(0)
        self.res_vals = np.empty(0)
        self.logs = {"plain": [0.0, 0], "pct": [0.0, 0]}
        self.max_decimals = 0
        self.fmt_counts = {}
        self.fmt_canon = {}      # values a format parses AND renders back identically
        self.fmt_padding = {}    # format -> [values only zero-padded rendering matches, only unpadded]
        self.n_date = 0
        self.n_time = 0
        self.n_bool = 0
        self.n_code = 0
        self.len_sum = 0
        self.n_sampled = 0       # distinct values examined in sampled chunks
        self.memo = FeatureMemo()       # stripped value -> regex features (see _features)
        self.num_memo = FeatureMemo()   # stripped value -> number features (see _number_features)
        self.date_memo = {"n_date": FeatureMemo(), "n_time": FeatureMemo()}   # stripped value -> date parse features

    def drop_memo(self):
        """Forgets the per-value memos (a speed-up only; nothing else reads them)."""
        self.memo.clear()
        self.num_memo.clear()
        for m in self.date_memo.values():
            m.clear()

    # ---- pass 1 -------------------------------------------------------------------------
    def update(self, s):
        """Adds one chunk's Series of strings; returns the uint64 hash of each of its values (the
        values pandas' hash_array gives them, so a row hash combined from them equals
        hash_pandas_object's: the relations accumulator takes them instead of hashing again)."""
        text_so_far = self._text_so_far()
        self.chunks += 1
        self.rows += len(s)
        codes, uniq = pd.factorize(np.asarray(s.values, dtype=object))   # strings: no missing values
        hashes = value_hashes(uniq)
        row_hash = hashes[codes]
        n = len(uniq)
        u = pd.Series(uniq)
        w = np.bincount(codes, minlength=n).astype(np.int64)
        # plain str methods mapped in C (the values are strings: pandas' .str would only add NaN checks)
        lens = np.fromiter(map(len, uniq), dtype=np.int64, count=n)
        sv = np.fromiter(map(str.strip, uniq), dtype=object, count=n)
        stripped = pd.Series(sv)
        ws_all = uniq != sv
        isnull = V.null_token_mask(sv)
        if isnull.any():
            self.null_count += int(w[isnull].sum())
            for tok, n in zip(u[isnull], w[isnull]):
                if tok != "":
                    self.null_tokens[tok] = self.null_tokens.get(tok, 0) + int(n)
        keep = ~isnull
        u, w, stripped = u[keep].reset_index(drop=True), w[keep], stripped[keep].reset_index(drop=True)
        if len(u) == 0:
            return row_hash
        self._count(u, w)
        self._sketch(hashes[keep])
        self.len_sum += int((lens[keep] * w).sum())
        self.ws += int(w[ws_all[keep]].sum())
        long_text = self.len_sum / max(1, self.rows - self.null_count) > 40
        near_unique = len(u) >= 0.5 * w.sum()
        sampled = len(u) > LONG_SAMPLE and (long_text or (near_unique and text_so_far))
        if sampled:
            # long or near-unique free text: type and pattern statistics from a sample of distinct
            # values (each is seen about once, so remembering them would not save work either)
            k = LONG_SAMPLE if self.n_sampled < LONG_BUDGET else LONG_SAMPLE_LATE
            self.n_sampled += k
            pick = np.sort(self.rng.choice(len(u), k, replace=False))
            scale = w.sum() / max(1, w[pick].sum())
            u, stripped = u.iloc[pick].reset_index(drop=True), stripped.iloc[pick].reset_index(drop=True)
            w = np.maximum(1, np.round(w[pick] * scale)).astype(np.int64)
        f = self._features(stripped, remember=not sampled)  # sampled long texts rarely repeat
        self.inner_ws += int(w[f["inner"]].sum())
        for sh, n in pd.Series(w).groupby(f["shape"]).sum().items():
            if sh in self.shapes or len(self.shapes) < SHAPE_CAP:
                self.shapes[sh] = self.shapes.get(sh, 0) + int(n)
        self.n_bool += int(w[_booleans(stripped.values)].sum())
        self._numbers(stripped, w, f["plain"], f["numstart"], remember=not sampled)
        self._dates(stripped, w, f["dateish"], f["timeish"])
        self.n_code += int(w[f["code"]].sum())
        return row_hash

    def _features(self, stripped, remember=True):
        """Per-value regex features of the stripped values, computed once per distinct value
        (memo kept across chunks, cleared when it grows past MEMO_CAP)."""
        r = self.memo.lookup(stripped.values, lambda missing, _: self._regex_features(missing), remember)
        if r is None:
            e = np.zeros(0, dtype=bool)
            r = (e, np.zeros(0, dtype=object), e, e, e, e, e)
        inner, shp, code, plain, numstart, dateish, timeish = r
        return {"inner": inner, "shape": shp, "code": code, "plain": plain,
                "numstart": numstart, "dateish": dateish, "timeish": timeish}

    def _regex_features(self, missing):
        """(inner whitespace, shape, code-like, plain number, starts like a number, date-ish,
        time-ish): arrays aligned with the distinct stripped values `missing`."""
        m = pd.Series(missing, dtype=object)
        b = lambda x: np.asarray(x, dtype=bool)
        code = b(m.str.match(V.CODE_CHARS_RE).values)
        if code.any():   # five digits or more among the code characters
            code[code] = b((V.digits_only(m[code]).str.len() >= 5).values)
        return (
            b(m.str.contains(r"\s{2,}", regex=True).values),
            np.asarray(V.shape(m).values, dtype=object),
            code,
            b(m.str.match(V.PLAIN_NUMBER_RE if self.decimal == "." else V.INT_RE).values),
            b(m.str.match(NUMSTART_RE).values),
            b(m.str.match(V.DATEISH_RE).values),
            b(m.str.match(V.TIMEISH_RE).values),
        )

    def _text_so_far(self):
        """The earlier chunks read as free text: almost none of their values were numbers, dates,
        booleans or codes (False before the first chunk: that one is always examined value by value)."""
        nn = self.rows - self.null_count
        typed = self.n_num + self.n_date + self.n_time + self.n_bool + self.n_code
        return self.chunks > 0 and nn > 0 and typed <= 0.05 * nn

    @property
    def truncated(self):
        return self.counter.truncated

    def _count(self, u, w):
        keys = u.values
        if self.counter.truncated:
            # the counter already overflowed: a value seen once in this chunk that it does not hold
            # cannot be among the most frequent (a heavy-hitters sketch, not exact counts)
            keep = (w >= 2) | self.counter.holds(keys)
            if not keep.all():
                keys, w = keys[keep], w[keep]
        self.counter.add(keys, w)

    def _sketch(self, h):
        """Adds the hashes of distinct values to the k smallest kept."""
        if len(self.kmv) >= KMV_K:
            h = h[h <= self.kmv[-1]]  # larger hashes cannot enter the k smallest
        merged = np.union1d(self.kmv, h)
        self.kmv = merged[:KMV_K]

    def _numbers(self, stripped, w, plain, numstart, remember=True):
        self.n_plain += int(w[plain].sum())
        cand, nums, units, decos, thousands, dec_len, zeros, int_text = self._number_features(stripped, plain, numstart, remember)
        if not cand.any():
            return
        ok = cand & ~np.isnan(nums)
        if not ok.any():
            return
        nums, wn, units, decos, thousands = nums[ok], w[ok], units[ok], decos[ok], thousands[ok]
        dec_len, zeros, int_text = dec_len[ok], zeros[ok], int_text[ok]
        self.n_num += int(wn.sum())
        self.n_thousands += int(wn[thousands].sum())
        for dk, n in pd.Series(wn).groupby(decos).sum().items():
            if dk in self.decos or len(self.decos) < 50:
                self.decos[dk] = self.decos.get(dk, 0) + int(n)
        has_unit = pd.notna(units)
        if has_unit.any():
            for un, n in pd.Series(wn[has_unit]).groupby(units[has_unit]).sum().items():
                self.units[un] = self.units.get(un, 0) + int(n)
        whole = np.isfinite(nums) & (np.floor(nums) == nums)
        self.n_whole += int(wn[whole].sum())
        self.n_noise += int(wn[dec_len >= 14].sum())
        self.n_dotzero += int(wn[(dec_len > 0) & whole & zeros].sum())
        self.n_int_text += int(wn[int_text].sum())
        for dl, n in pd.Series(wn).groupby(np.minimum(dec_len, 14)).sum().items():
            self.decimals[int(dl)] = self.decimals.get(int(dl), 0) + int(n)
        nonnoise = dec_len[dec_len < 14]
        if len(nonnoise):
            self.max_decimals = max(self.max_decimals, int(nonnoise.max()))
        fin = np.isfinite(nums)
        if fin.any():
            self.min = min(self.min, float(nums[fin].min()))
            self.max = max(self.max, float(nums[fin].max()))
            self.sum += float((nums[fin] * wn[fin]).sum())
        pct = np.array([x == "%" for x in units])
        for key, m in (("pct", pct), ("plain", ~has_unit)):
            m = m & fin & (nums != 0)
            if m.any():
                self.logs[key][0] += float((np.log10(np.abs(nums[m])) * wn[m]).sum())
                self.logs[key][1] += int(wn[m].sum())
        vals = np.repeat(nums[fin], wn[fin])
        keys = self.rng.random(len(vals))
        allk = np.concatenate([self.res_keys, keys])
        allv = np.concatenate([self.res_vals, vals])
        if len(allk) > RESERVOIR:
            idx = np.argpartition(allk, RESERVOIR)[:RESERVOIR]
            allk, allv = allk[idx], allv[idx]
        self.res_keys, self.res_vals = allk, allv

    def _number_features(self, stripped, plain, numstart, remember=True):
        """Per value: (is a number candidate, number, unit, 'pre|suf' decoration, thousands
        separators, digits after the decimal mark, those digits all zeros, written as a plain
        integer), computed once per distinct value (memo kept across chunks)."""
        def parse(missing, pos):   # the rows where the missing values first appear
            return self._number_parse(stripped.iloc[pos].reset_index(drop=True), plain[pos], numstart[pos])

        r = self.num_memo.lookup(stripped.values, parse, remember)  # sampled free text: not remembered
        if r is None:
            e = np.zeros(0, dtype=bool)
            return e, np.zeros(0), np.zeros(0, dtype=object), np.zeros(0, dtype=object), e, np.zeros(0, dtype=np.int64), e, e
        return r

    def _number_parse(self, sv, plain, numstart):
        """The features (see _number_features) of distinct stripped values, as aligned arrays."""
        n = len(sv)
        cand = plain | (~plain & numstart) | (~plain & self._compound_hint(sv))
        nums = np.full(n, np.nan)
        units = np.full(n, None, dtype=object)
        decos = np.full(n, "|", dtype=object)
        thousands = np.zeros(n, dtype=bool)
        txt = sv.copy()
        pl = plain & cand
        if pl.any():
            nums[pl] = V._to_float(sv.values[pl], np.ones(int(pl.sum()), dtype=bool))
        other = cand & ~plain
        if other.any():
            pn = NF.parse(sv[other].reset_index(drop=True), self.decimal)
            nums[other] = pn["num"].values.astype(float)
            units[other] = pn["unit"].values
            decos[other] = (pn["pre"] + "|" + pn["suf"]).values
            thousands[other] = pn["thousands"].values
            txt[other] = [NF.core_text(x) if c else t for x, c, t in zip(pn["num"].values, pn["compound"].values, sv[other].values)]
        dec = txt.str.extract(r"[.,](\d+)(?:\D*)$" if self.decimal == "," else r"\.(\d+)(?:\D*)$")[0]
        dec_len = dec.str.len().fillna(0).values.astype(np.int64)
        zeros = dec.str.fullmatch(r"0+").fillna(False).values.astype(bool)
        int_text = sv.str.match(V.INT_RE).values.astype(bool)
        return (np.asarray(cand, dtype=bool), nums, units, decos, thousands, dec_len, zeros, int_text)

    @staticmethod
    def _compound_hint(stripped):
        """Values such as '1 hr. 45 min.' (two amounts with units)."""
        return stripped.str.match(r"^\d+(?:\.\d+)?\s*[^\W\d_]").fillna(False).values

    def _dates(self, stripped, w, dateish, timeish):
        for mask, formats, attr in ((dateish, V.DATE_FORMATS + V.DATETIME_FORMATS, "n_date"), (timeish, V.TIME_FORMATS, "n_time")):
            if w[mask].sum() < 0.3 * w.sum():
                continue
            sv, wv = stripped[mask], w[mask]
            ok_all, canon_all = self._date_features(sv, formats, self.date_memo[attr])
            anyok = np.zeros(len(sv), dtype=bool)
            for j, fmt in enumerate(formats):
                ok = ok_all[:, j]
                if ok.any():
                    self.fmt_counts[fmt] = self.fmt_counts.get(fmt, 0) + int(wv[ok].sum())
                    cj = canon_all[:, j]
                    self.fmt_canon[fmt] = self.fmt_canon.get(fmt, 0) + int(wv[ok & (cj & 1 > 0)].sum())
                    pad = self.fmt_padding.setdefault(fmt, [0, 0])  # values only one padding style writes so
                    pad[0] += int(wv[ok & (cj == 1)].sum())
                    pad[1] += int(wv[ok & (cj == 2)].sum())
                    anyok |= ok
            setattr(self, attr, getattr(self, attr) + int(wv[anyok].sum()))

    @staticmethod
    def _date_features(sv, formats, memo):
        """(parses, renders back identically) bool matrices, one column per format, computed
        once per distinct value (memo kept across chunks)."""
        r = memo.lookup(sv.values, lambda missing, _: ColumnAcc._date_parse(missing, formats))
        if r is None:
            return np.zeros((0, len(formats)), dtype=bool), np.zeros((0, len(formats)), dtype=np.uint8)
        return r

    @staticmethod
    def _date_parse(missing, formats):
        """(parses, renders back identically): bool and uint8 matrices of the distinct values
        `missing`, one column per format."""
        m = pd.Series(missing, dtype=object)
        oks, canons = [], []
        for fmt in formats:
            parsed = V.parse_dates(m, fmt)
            ok = parsed.notna().values
            canon = np.zeros(len(m), dtype=np.uint8)   # bit 1: renders back padded, bit 2: unpadded
            if ok.any():
                canon[ok] = (V.render_dates(parsed[ok], fmt).values == m[ok].values).astype(np.uint8)
                canon[ok] |= (V.render_dates(parsed[ok], V.unpadded_format(fmt)).values == m[ok].values).astype(np.uint8) << 1
            oks.append(ok)
            canons.append(canon)
        return np.column_stack(oks).astype(bool), np.column_stack(canons).astype(np.uint8)

    # ---- results ------------------------------------------------------------------------
    def distinct(self):
        """(distinct count, estimated?) from the KMV sketch."""
        if len(self.kmv) < KMV_K:
            return len(self.kmv), False
        kth = float(self.kmv[-1]) / float(2 ** 64)
        return int((KMV_K - 1) / kth), True

    def result(self):
        """The column's profile entry (JSON-serialisable)."""
        nn = self.rows - self.null_count
        distinct, est = self.distinct()
        top = self.counter.largest(10)
        shapes = sorted(self.shapes.items(), key=lambda kv: -kv[1])
        out = {
            "name": self.name, "rows": self.rows, "non_null": nn, "null_count": self.null_count,
            "null_tokens": dict(sorted(self.null_tokens.items(), key=lambda kv: -kv[1])[:20]),
            "distinct": distinct, "distinct_estimated": est,
            "top_values": [[str(k), int(v)] for k, v in top],
            "values_truncated": self.truncated,
            "patterns": [[k, v] for k, v in shapes[:10]],
            "dominant_pattern": shapes[0][0] if shapes else None,
            "dominant_pattern_share": round(shapes[0][1] / nn, 4) if shapes and nn else 0.0,
            "whitespace_issues": self.ws, "inner_whitespace": self.inner_ws,
            "mean_length": round(self.len_sum / nn, 2) if nn else 0.0,
        }
        out.update(self._type(nn, distinct))
        out.setdefault("dominant_format", out["dominant_pattern"])  # a strftime format for dates, else a shape
        if out["inferred_type"] in ("category", "text", "code") and nn:
            # most values read as numbers, dates or booleans, but not enough to type the column
            looks = {"number": self.n_num / nn, "date": (self.n_date + self.n_time) / nn, "boolean": self.n_bool / nn}
            kind, share = max(looks.items(), key=lambda kv: kv[1])
            if share >= 0.5 and distinct > 20 and not (kind == "number" and out["inferred_type"] == "code"):
                out["looks_like"] = {"kind": kind, "share": round(share, 4)}
        return out

    def _type(self, nn, distinct):
        if nn == 0:
            return {"inferred_type": "empty", "base_type": "empty", "parse_share": 1.0}
        num_share = self.n_num / nn
        res = {}
        unit_total = sum(self.units.values())
        top_units = sum(sorted(self.units.values(), reverse=True)[:5])
        if num_share >= 0.95 and (unit_total == 0 or top_units >= 0.9 * unit_total):
            num = self._numeric_stats()
            dims = {V.unit_dimension(u) for u in self.units if u != "%"} - {None}
            scaled = num["percent_scale"] != 1.0 or len([u for u in self.units if V.unit_dimension(u)]) > len(dims)
            kind = "integer" if self.n_whole == self.n_num and not scaled else "float"
            res = {"base_type": kind, "parse_share": round(num_share, 4), "numeric": num}
            unique_key = distinct >= self.rows and self.null_count == 0 and not self.units
            res["inferred_type"] = "id" if kind == "integer" and (unique_key or _ID_NAME_RE.search(self.name.strip())) else kind
            return res
        if self.n_bool / nn >= 0.95 and distinct <= 16:
            return {"inferred_type": "boolean", "base_type": "boolean", "parse_share": round(self.n_bool / nn, 4)}
        for attr, formats in (("n_date", V.DATE_FORMATS + V.DATETIME_FORMATS), ("n_time", V.TIME_FORMATS)):
            share = getattr(self, attr) / nn
            if share >= 0.9:
                counts = {f: n for f, n in self.fmt_counts.items() if f in formats}
                dom = max(counts, key=lambda f: (counts[f], -formats.index(f)))
                t = "time" if attr == "n_time" else ("datetime" if dom in V.DATETIME_FORMATS else "date")
                return {"inferred_type": t, "base_type": t, "parse_share": round(share, 4), "dominant_format": dom,
                        "formats": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
                        "not_canonical": counts[dom] - self.fmt_canon.get(dom, 0),
                        "padding": {"padded": self.fmt_padding.get(dom, [0, 0])[0], "unpadded": self.fmt_padding.get(dom, [0, 0])[1]}}
        if self.n_code / nn >= 0.9:
            return {"inferred_type": "code", "base_type": "code", "parse_share": round(self.n_code / nn, 4)}
        mean_len = self.len_sum / nn
        if distinct <= 1000 and (distinct <= 0.5 * nn or distinct <= 20) and mean_len <= 60:
            return {"inferred_type": "category", "base_type": "category", "parse_share": 1.0}
        if distinct >= self.rows and self.null_count == 0:
            return {"inferred_type": "id", "base_type": "text", "parse_share": 1.0}
        return {"inferred_type": "text", "base_type": "text", "parse_share": 1.0}

    def _numeric_stats(self):
        r = np.sort(self.res_vals)
        qs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
        quant = {str(q): float(np.quantile(r, q)) for q in qs} if len(r) else {}
        st = {"min": self.min if np.isfinite(self.min) else None, "max": self.max if np.isfinite(self.max) else None,
              "mean": self.sum / self.n_num if self.n_num else None, "quantiles": quant,
              "units": dict(sorted(self.units.items(), key=lambda kv: -kv[1])),
              "plain_share": round(self.n_plain / max(self.n_num, 1), 4),
              "decorations": dict(sorted(self.decos.items(), key=lambda kv: -kv[1])[:20]), "thousands": self.n_thousands,
              "decimals": {str(k): v for k, v in sorted(self.decimals.items())},
              "float_noise": self.n_noise, "dot_zero": self.n_dotzero, "int_text": self.n_int_text, "decimal": self.decimal,
              "max_decimals": self.max_decimals}
        if quant:
            q1, q3 = quant["0.25"], quant["0.75"]
            iqr = q3 - q1
            st["iqr_fences"] = [q1 - 3 * iqr, q3 + 3 * iqr] if iqr > 0 else None
            med = quant["0.5"]
            mad = float(np.median(np.abs(r - med)))
            st["mad"] = mad
            if st["iqr_fences"]:
                lo, hi = st["iqr_fences"]
                st["outliers_estimated"] = int(round(float(((r < lo) | (r > hi)).mean()) * self.n_num))
        st["rescale"] = _low_cluster(r)
        st["fences"] = _fences(r)
        if len(r) >= 20 and r.min() >= 0:
            lr = np.log1p(r)
            lmed = float(np.median(lr))
            st["log_median"], st["log_mad"] = lmed, float(np.median(np.abs(lr - lmed)))
            sd = float(r.std())
            st["skew_log"] = bool(sd > 0 and float(((r - r.mean()) ** 3).mean()) / sd ** 3 > 2.0)
        pl, pc = self.logs["plain"], self.logs["pct"]
        st["percent_scale"] = 1.0
        if pc[1] and pl[1]:
            diff = pc[0] / pc[1] - pl[0] / pl[1]
            if diff > 1.5:
                st["percent_scale"] = 0.01
        return st

    def values_with_counts(self):
        """All kept (value, count) pairs, most frequent first."""
        return [(str(k), int(v)) for k, v in self.counter.largest()]


def _low_cluster(r, factor=1000.0):
    """Values about `factor` times smaller than the rest of a positive column ('1.962' among rents
    of 400-5,000, written in thousands), judged on the reservoir sample: {factor, below, lo, hi,
    share, whole} or None. Only a small minority (<= 5%) counts, and only when rescaling puts every
    one of them inside the range of the others."""
    if len(r) < 50 or r.min() < 0:
        return None
    med = float(np.median(r))
    if med <= 0:
        return None
    below = med / (factor / 10.0)
    low = (r > 0) & (r < below)
    share = float(low.mean())
    if not low.any() or share > 0.05:
        return None
    rest = r[~low]
    lo, hi = float(np.quantile(rest, 0.001)), float(np.quantile(rest, 0.999))
    scaled = r[low] * factor
    if not ((scaled >= lo) & (scaled <= hi)).mean() >= 0.9:
        return None
    whole_rest = float((np.floor(rest) == rest).mean())
    return {"factor": factor, "below": below, "lo": lo, "hi": hi, "share": round(share, 5),
            "whole": bool(whole_rest >= 0.98), "low_whole": bool((np.floor(r[low]) == r[low]).mean() >= 0.5)}


def _fences(r):
    """{method: [lo, hi, share of the sample outside]} for the outlier methods the recipe chooses
    from: 3xIQR, robust z 3.5 (median ± 3.5 × 1.4826 MAD), and the same on a log scale for a
    column that is never negative."""
    if len(r) < 20:
        return {}
    out = {}
    q1, med, q3 = (float(np.quantile(r, q)) for q in (0.25, 0.5, 0.75))
    if q3 > q1:
        out["iqr3"] = [q1 - 3 * (q3 - q1), q3 + 3 * (q3 - q1)]
    mad = float(np.median(np.abs(r - med)))
    if mad > 0:
        k = 3.5 * 1.4826 * mad
        out["robust_z3.5"] = [max(med - k, 0.0) if r.min() >= 0 else med - k, med + k]
    if r.min() >= 0:
        lr = np.log1p(r)
        lmed = float(np.median(lr))
        lmad = float(np.median(np.abs(lr - lmed)))
        if lmad > 0:
            k = 3.5 * 1.4826 * lmad
            out["log_robust_z3.5"] = [max(0.0, float(np.expm1(lmed - k))), float(np.expm1(lmed + k))]
    for m, (lo, hi) in out.items():
        out[m] = [lo, hi, round(float(((r < lo) | (r > hi)).mean()), 5)]
    return out
