import { render } from "preact";
import { App } from "./App.js";
import { interceptLinks, isAppPath } from "./lib/router.js";
import "./styles.css";

const root = document.getElementById("app")!;
root.textContent = "";
interceptLinks(document.body, isAppPath);
render(<App />, root);
