"""Conversions between what Python users hold (pandas DataFrames, numpy arrays, lists) and the
tables imbgen's library reads, and back, keeping column names, order and dtypes."""

import numbers

import numpy as np
import pandas as pd
from scipy import sparse


def _is_categorical_dtype(dtype):
    return isinstance(dtype, pd.CategoricalDtype) or dtype == object or pd.api.types.is_string_dtype(dtype)


def _label_texts(y):
    """Class labels as texts plus the map back to the original label objects."""
    texts = []
    back = {}
    for v in y:
        t = str(v)
        prev = back.setdefault(t, v)
        if prev is not v and prev != v:
            raise ValueError(f"class labels {prev!r} and {v!r} have the same text {t!r}")
        texts.append(t)
    return texts, back


def integer_labels(y):
    """True for 1-d integer labels in a numpy array or a Series of numpy dtype (not pandas'
    nullable integers, which may hold NA)."""
    dtype = getattr(y, "dtype", None)
    return (isinstance(y, (np.ndarray, pd.Series)) and isinstance(dtype, np.dtype)
            and dtype.kind in "iu" and y.ndim == 1 and len(y) > 0)


def class_counts(arr):
    """(the distinct labels in order, their counts) by counting, for 1-d integer labels that are
    small non-negative numbers (0/1, 0..k-1): np.unique(arr, return_counts=True) without a sort.
    None for any other labels."""
    if not integer_labels(arr) or (arr.dtype.kind == "u" and arr.dtype.itemsize == 8):
        return None  # bincount takes labels that fit a signed index
    if arr.min() < 0 or arr.max() > 4 * len(arr) + 1024:
        return None  # a counting table would be larger than the labels
    tally = np.bincount(arr)
    present = np.flatnonzero(tally)
    return present.astype(arr.dtype), tally[present]


def _counted_uniques(arr):
    """np.unique(arr, return_inverse=True) by counting, for the labels class_counts takes; None
    for any other labels."""
    counted = class_counts(arr)
    if counted is None:
        return None
    uniques = counted[0]
    code_of = np.zeros(int(uniques[-1]) + 1, dtype=np.int64)
    code_of[uniques] = np.arange(len(uniques))
    return uniques, code_of[arr]


def _label_codes(arr):
    """(codes, texts, back): codes index texts (one text per distinct label, in sorted label
    order); back maps a text to the original label object. Labels of one numeric or string dtype
    take one vectorised pass; object arrays with labels of several types go label by label."""
    if arr.dtype != object:
        counted = _counted_uniques(arr)
        uniques, codes = counted if counted is not None else np.unique(arr, return_inverse=True)
        texts, back = _label_texts(uniques.tolist())
        return codes.astype(np.int64, copy=False), texts, back
    texts, back = _label_texts(arr.tolist())
    index = {}
    codes = np.fromiter((index.setdefault(t, len(index)) for t in texts), dtype=np.int64,
                        count=len(texts))
    return codes, list(index), back


class Frame:
    """X as imbgen columns, with what is needed to rebuild rows of the same kind and dtypes."""

    def __init__(self, X, *, allow_sparse=True):
        self.kind = "array"
        self.sparse_format = None
        if sparse.issparse(X):
            if not allow_sparse:
                raise ValueError("sparse matrices are not supported here")
            self.sparse_format = X.format
            X = X.toarray()
        if isinstance(X, pd.DataFrame):
            self.kind = "frame"
            self.names = [str(c) for c in X.columns]
            self.original_columns = list(X.columns)
            self.dtypes = list(X.dtypes)
            self.column_index = X.columns
            self._series = lambda: [X.iloc[:, j] for j in range(X.shape[1])]
            if X.shape[1] > 0 and all(_plain_number(dt) for dt in self.dtypes):
                self.dense = X.to_numpy(dtype=np.float64, copy=False)
        else:
            if isinstance(X, list):
                self.kind = "list"
            arr = np.asarray(X)
            if arr.ndim != 2:
                raise ValueError(f"X must be 2-dimensional (rows x columns), got shape {arr.shape}")
            self.array_dtype = arr.dtype
            self.names = [f"x{j}" for j in range(arr.shape[1])]
            self.original_columns = None
            if arr.dtype == object:
                self.dtypes = [_column_dtype(arr[:, j]) for j in range(arr.shape[1])]
            else:
                self.dtypes = [arr.dtype] * arr.shape[1]
            self._series = lambda: [pd.Series(arr[:, j]) for j in range(arr.shape[1])]
            if self.kind == "array" and _plain_number(arr.dtype) and self.sparse_format is None:
                self.dense = arr.astype(np.float64, copy=False)
        if len(self.names) == 0:
            raise ValueError("X has no columns")
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"X has duplicate column names: {self.names}")
        self._columns = None
        self.text_back = {}

    # `dense`: X as one 2-d float64 array when every column holds plain numbers (numpy's float,
    # int, unsigned or bool dtypes: a numeric array or DataFrame), for the library's fast path
    # (resample_numbers); else None.
    dense = None

    @property
    def columns(self):
        """X's columns as the library reads them: [(name, "numeric", float64 array) or (name,
        "categorical", list of texts)], converted on first use."""
        if self._columns is None:
            self._columns = self._convert(self._series())
        return self._columns

    def _convert(self, series):
        columns = []
        for name, s, dtype in zip(self.names, series, self.dtypes):
            if _is_categorical_dtype(dtype) or dtype == object:
                texts, back = _texts(s)
                self.text_back[name] = back
                columns.append((name, "categorical", texts))
            elif pd.api.types.is_bool_dtype(dtype):
                columns.append((name, "numeric", s.to_numpy(dtype=np.float64)))
            elif pd.api.types.is_numeric_dtype(dtype):
                columns.append((name, "numeric", pd.to_numeric(s).to_numpy(dtype=np.float64)))
            else:
                raise ValueError(f"column {name!r}: dtype {dtype} is neither numeric nor categorical")
        return columns

    @property
    def n_rows(self):
        if self.dense is not None:
            return self.dense.shape[0]
        c = self.columns[0][2]
        return len(c)

    def wrap(self, arr):
        """X_res from resample_numbers' float64 array (X's rows, then the added ones) in X's form
        and dtypes (integer and bool columns hold whole numbers there: the casts are exact)."""
        if self.kind == "frame":
            if all(dt == np.float64 for dt in self.dtypes):
                return pd.DataFrame(arr, columns=self.column_index, copy=False)
            fast = self._wrap_by_insert(arr)
            if fast is not None:
                return fast
            df = pd.DataFrame({j: (arr[:, j] if dt == np.float64 else _cast_numbers(arr[:, j], dt))
                               for j, dt in enumerate(self.dtypes)})
            df.columns = self.column_index
            return df
        return arr if self.array_dtype == np.float64 else arr.astype(self.array_dtype)

    def _wrap_by_insert(self, arr):
        """wrap() for a frame whose float64 columns are mostly one run (a few integer or bool
        columns beside them): a frame over that run of arr without a copy, the other columns
        inserted in place. pandas' frame from a dict of columns would copy every float column
        into one block. None when arr is not column-major or more than a few columns are outside
        the run."""
        if not arr.flags.f_contiguous or isinstance(self.column_index, pd.MultiIndex):
            return None
        best, start = (0, 0), None
        for j, dt in enumerate(list(self.dtypes) + [None]):
            if dt == np.float64 and start is None:
                start = j
            elif dt != np.float64 and start is not None:
                best, start = max(best, (j - start, start)), None
        length, first = best
        if length == 0 or len(self.dtypes) - length > 8:
            return None
        run = range(first, first + length)
        df = pd.DataFrame(arr[:, first:first + length], columns=self.column_index[first:first + length],
                          copy=False)
        for j, dt in enumerate(self.dtypes):
            if j in run:
                continue
            values = arr[:, j] if dt == np.float64 else _cast_numbers(arr[:, j], dt)
            # In increasing j, every column before j is in place (the run's or inserted).
            df.insert(j, self.column_index[j], values)
        df.columns = self.column_index
        return df

    def rebuild(self, rows):
        """Rows from the library ({"columns": [(name, kind, values)]}) in X's own form."""
        data = {}
        for (name, kind, values), dtype in zip(rows["columns"], self.dtypes):
            if kind == "categorical":
                back = self.text_back.get(name, {})
                vals = [None if t is None else back.get(t, t) for t in values]
                if isinstance(dtype, pd.CategoricalDtype):
                    data[name] = pd.Categorical(vals, categories=dtype.categories, ordered=dtype.ordered)
                else:
                    data[name] = pd.Series(vals, dtype=object)
            else:
                arr = np.asarray(values, dtype=np.float64)
                data[name] = _cast_numbers(arr, dtype)
        if self.kind == "frame":
            df = pd.DataFrame(data)
            df.columns = self.original_columns
            return df
        arr = np.column_stack([np.asarray(data[n], dtype=object if self.array_dtype == object else None) for n in self.names])
        arr = arr.astype(self.array_dtype, copy=False)
        if self.sparse_format is not None:
            return sparse.csr_matrix(arr).asformat(self.sparse_format)
        return arr.tolist() if self.kind == "list" else arr

    def concat(self, X, added):
        """X (unchanged) followed by the added rows, in X's form."""
        if self.kind == "frame":
            out = pd.concat([X, added], axis=0, ignore_index=True)
            for col, dtype in zip(X.columns, self.dtypes):
                if isinstance(dtype, pd.CategoricalDtype):
                    out[col] = pd.Categorical(out[col], categories=dtype.categories, ordered=dtype.ordered)
                elif out[col].dtype != dtype:
                    out[col] = out[col].astype(dtype)
            return out
        if self.sparse_format is not None:
            return sparse.vstack([X, added]).asformat(self.sparse_format)
        if self.kind == "list":
            return list(X) + list(added)
        return np.concatenate([np.asarray(X), np.asarray(added, dtype=np.asarray(X).dtype)], axis=0)


def _plain_number(dtype):
    """A numpy float, int, unsigned or bool dtype (not object, category or a nullable type)."""
    return isinstance(dtype, np.dtype) and dtype.kind in "fiub"


def _column_dtype(values):
    """An object array column: numeric when every non-missing value is a number."""
    nums = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if nums and all(isinstance(v, numbers.Number) and not isinstance(v, bool) for v in nums):
        return np.dtype(np.float64)
    return np.dtype(object)


def _texts(s):
    """Category texts of a column ("" for missing) and the map back to the original values."""
    texts = []
    back = {}
    for v in s.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            texts.append("")
            continue
        t = str(v)
        back.setdefault(t, v)
        texts.append(t)
    return texts, back


def _cast_numbers(arr, dtype):
    if pd.api.types.is_bool_dtype(dtype):
        return arr.astype(bool)
    if pd.api.types.is_integer_dtype(dtype):
        if np.isnan(arr).any():
            # A missing value in an integer column: pandas' nullable integer keeps it.
            return pd.array(np.where(np.isnan(arr), 0, arr).astype(np.int64), dtype="Int64").where(~np.isnan(arr), pd.NA)
        return arr.astype(dtype)
    return arr.astype(dtype) if dtype != object else arr


class Labels:
    """y as class-label texts, with what is needed to give labels back in y's own form.

    `values` is y as a 1-d array (imbalanced-learn's check_target_type output); `original` is what
    the user passed (a Series, a one-column DataFrame, a list or an array).
    """

    def __init__(self, original, values=None):
        self.series = isinstance(original, pd.Series)
        self.frame = isinstance(original, pd.DataFrame)
        self.is_list = isinstance(original, list)
        self.name = original.name if self.series else None
        self.frame_columns = list(original.columns) if self.frame else None
        arr = np.asarray(original if values is None else values)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr.ravel()
        if arr.ndim != 1:
            raise ValueError(f"y must be 1-dimensional, got shape {arr.shape}")
        self.dtype = arr.dtype
        self.values = arr
        codes, self.classes, self.back = _label_codes(arr)
        # What the library reads: (codes, texts); see imbgen/_core's label_texts.
        self.encoded = (codes, self.classes)
        self.n = len(codes)

    def target_name(self, frame):
        """The name of the class column: y's own name when it has one (a Series, a one-column
        DataFrame) and no feature column has it, else "target"."""
        name = self.name if self.series else (self.frame_columns[0] if self.frame else None)
        if name is None or str(name) in frame.names:
            return "target"
        return str(name)

    def rebuild(self, rows):
        """The labels of rows from the library, as a 1-d array of y's dtype."""
        table = np.empty(len(rows["classes"]), dtype=self.dtype)
        for i, t in enumerate(rows["classes"]):
            table[i] = self.back[t] if t in self.back else t
        return table[rows["label_codes"]]

    def concat(self, added):
        """The original labels followed by `added` (from rebuild), in y's own form."""
        arr = np.concatenate([self.values, added])
        if self.series:
            return pd.Series(arr, name=self.name)
        if self.frame:
            return pd.DataFrame({self.frame_columns[0]: arr})
        return arr.tolist() if self.is_list else arr
