"""The parts of the teaching dashboard (the page itself is ``model/app.py``).

* ``controls``: the sliders, generated from the ``Params`` declarations, and input cleaning;
* ``models``: the models behind the page, one market (``DashboardModel``) or four worlds from the
  same companies (``WorldsModel``, C10);
* ``charts``: what the charts show (a snapshot) and how they are drawn, on the project's figure style;
* ``lessons``: one preset per lesson (each experiment's setting) and its narrative in English and German;
* ``narrative``: the status sentences under the lesson text.

Only ``model/app.py`` imports solara; everything here is plain Python and matplotlib, tested without
a browser (tests/test_app.py).
"""
