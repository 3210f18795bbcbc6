"""Prints, as JSON, what a Modal app file asks Modal for: its calls with their arguments, each function's
decorators, and every identifier it uses. Reads the file with `ast` only, so neither Modal nor a network
is needed. Usage: python3 inspect_modal_app.py modal_app.py
"""

import ast
import json
import sys

UNKNOWN = {"unknown": True}


def dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class Evaluator:
    """Literal values, with module-level constants and simple arithmetic resolved."""

    def __init__(self):
        self.constants = {}

    def value(self, node):
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.constants.get(node.id, {"name": node.id})
        if isinstance(node, ast.Attribute):
            return {"name": dotted(node)}
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            # `**mapping` entries have no key: what they spread is not a literal.
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values) if k is not None}
        if isinstance(node, ast.BinOp):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, (int, float)) and isinstance(right, (int, float)):
                if isinstance(node.op, ast.Add):
                    return left + right
                if isinstance(node.op, ast.Sub):
                    return left - right
                if isinstance(node.op, ast.Mult):
                    return left * right
            if isinstance(node.op, ast.Div) and isinstance(right, str):
                return {"path": right}
            return UNKNOWN
        if isinstance(node, ast.Call):
            func = dotted(node.func)
            args = [self.value(a) for a in node.args]
            if func == "str" and len(args) == 1 and isinstance(args[0], (int, float, str)):
                return str(args[0])
            return self.call(node)
        return UNKNOWN

    def call(self, node):
        return {
            "call": dotted(node.func),
            "args": [self.value(a) for a in node.args],
            "kwargs": {k.arg: self.value(k.value) for k in node.keywords if k.arg is not None},
        }


def inspect(source):
    tree = ast.parse(source)
    ev = Evaluator()
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = ev.value(stmt.value)
            if isinstance(value, (int, float, str, list)):
                ev.constants[stmt.targets[0].id] = value

    identifiers = set()
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            identifiers.add(node.id)
        elif isinstance(node, ast.Attribute):
            identifiers.add(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            identifiers.add(node.arg)
        elif isinstance(node, ast.alias):
            identifiers.update(node.name.split("."))
        if isinstance(node, ast.Call):
            calls.append(ev.call(node))

    functions = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators = [
                ev.call(d) if isinstance(d, ast.Call) else {"call": dotted(d), "args": [], "kwargs": {}}
                for d in stmt.decorator_list
            ]
            functions.append({"name": stmt.name, "decorators": decorators})

    return {
        "constants": ev.constants,
        "identifiers": sorted(identifiers),
        "calls": calls,
        "functions": functions,
    }


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf8") as f:
        print(json.dumps(inspect(f.read()), default=str))
