build2/tests/unit/test_json: tests/unit/test_json.c tools/report/json.h
tools/report/json.h:
