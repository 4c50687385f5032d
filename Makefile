# The README's two commands: `make demo` and `make test`. Both set up .venv themselves.
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_RUN ?= runs/demo

.PHONY: demo test bench clean

$(BIN)/facegan: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# Trains the report's FER2013 DCGAN on the embedded demo faces (1,024 happy faces, 15 epochs) on CPU.
demo: $(BIN)/facegan
	$(BIN)/facegan train --preset report-fer --data src/facegan/data/demo/fer2013 --expression happy \
		--epochs 15 --device cpu --run-dir $(DEMO_RUN) --overwrite
	$(BIN)/facegan sample --checkpoint $(DEMO_RUN)/checkpoint.pt --n 64 --out $(DEMO_RUN)/samples --grid --overwrite

test: $(BIN)/facegan
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) runs
