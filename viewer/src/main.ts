/** The MedBank viewer: a single-page app of Lit web components, served by `medbank view`. */
import './styles.css';
import './components/app.js';
