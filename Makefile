# The README's two commands: `make demo` and `make test`. Both set up .venv themselves.
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_RUN ?= runs/demo
TRAIN_DEMO_RUN ?= runs/train-demo

.PHONY: demo train-demo test bench clean

$(BIN)/facegan: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

# The main job: the bundled astronaut photo turned to all seven expressions by the default engine (geometry; no training).
demo: $(BIN)/facegan
	$(BIN)/facegan edit src/facegan/data/demo/astronaut.jpg --to all --out $(DEMO_RUN)/astronaut.jpg --strip

# The report's FER2013 DCGAN trained briefly on the embedded demo faces (1,024 happy faces, 15 epochs) on CPU.
# At this budget (120 iterations) its samples are still noise: it shows the training outputs, not faces.
train-demo: $(BIN)/facegan
	$(BIN)/facegan train --preset report-fer --data src/facegan/data/demo/fer2013 --expression happy \
		--epochs 15 --device cpu --run-dir $(TRAIN_DEMO_RUN) --overwrite
	$(BIN)/facegan sample --checkpoint $(TRAIN_DEMO_RUN)/checkpoint.pt --n 64 --out $(TRAIN_DEMO_RUN)/samples --grid --overwrite

# The whole suite, one test file per core at a time (a file's shared fixtures are built once); the browser
# test runs alone afterwards: beside the other files its page upload stalled once on a fresh clone.
test: $(BIN)/facegan
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not browser"
	$(BIN)/python -m pytest -q -m browser

clean:
	rm -rf $(VENV) runs
