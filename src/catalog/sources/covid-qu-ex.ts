// COVID-QU-Ex: 256x256 chest X-ray PNGs with lung and infection masks in official Train/Val/Test folders.
import type { SourceAdapter } from '../types.js';

const covidQuEx: SourceAdapter = {
  id: 'COVID-QU-Ex',
  name: 'COVID-QU-Ex',
  order: 7,
  link: 'https://www.kaggle.com/datasets/anasmohammedtahir/covidqu',
  license: {
    text: 'CC BY-SA 4.0',
    spdx: 'CC-BY-SA-4.0',
    commercial: 'yes',
    attribution: 'Tahir, Chowdhury et al., Qatar University (images compiled from several public chest X-ray collections)',
  },
  access: 'registration',
  modality: 'chest X-ray',
  modalityCode: 'XR',
  anatomy: 'lungs',
  dimension: '2d',
  tasks: [
    {
      id: 'Lung_XR_9',
      structure: 'lungs',
      labels: [],
      rule: 'lung mask of the "Lung Segmentation Data" part (`lung masks/`, same file name as the image), luma above 127',
    },
    {
      id: 'LungInfection_XR_10',
      structure: 'COVID-19 lung infection',
      labels: [],
      rule: 'infection mask of the "Infection Segmentation Data" part (`infection masks/`, same file name), luma above 127; Non-COVID and Normal images have empty or missing infection masks',
    },
  ],
  citation: {
    key: 'tahir2021covidquex',
    bibtex: `@article{tahir2021covidquex,
  author  = {Tahir, Anas M. and Chowdhury, Muhammad E. H. and Khandakar, Amith and Rahman, Tawsifur and Qiblawey, Yazan and Khurshid, Uzair and Kiranyaz, Serkan and Ibtehaz, Nabil and Rahman, M. S. and Al-Maadeed, Somaya and Mahmud, Sakib and Ezeddin, Maymouna and Hameed, K. and Hamid, T.},
  title   = {{COVID-19} infection localization and severity grading from chest {X}-ray images},
  journal = {Computers in Biology and Medicine},
  volume  = {139},
  pages   = {105002},
  year    = {2021},
  doi     = {10.1016/j.compbiomed.2021.105002}
}`,
  },
  download: [
    'Sign in to Kaggle (free account) and download the dataset from https://www.kaggle.com/datasets/anasmohammedtahir/covidqu (the web page, or `kaggle datasets download anasmohammedtahir/covidqu`).',
    'Unzip it into <raw>/COVID-QU-Ex/ keeping its folders, including the doubled names and the spaces ("Lung Segmentation Data/Lung Segmentation Data/", "lung masks").',
    'Keep both parts: "Lung Segmentation Data" feeds Lung_XR_9 and "Infection Segmentation Data" feeds LungInfection_XR_10.',
  ],
  layout: `COVID-QU-Ex/
  Lung Segmentation Data/Lung Segmentation Data/     (an extra wrapper such as COVID-QU-Ex_Dataset/ is fine)
    Train/ Val/ Test/
      COVID-19/ Non-COVID/ Normal/
        images/         covid_1579.png, non_COVID (3300).png, Normal (84).png ...
        lung masks/     same file names
  Infection Segmentation Data/Infection Segmentation Data/
    Train/ Val/ Test/
      COVID-19/ Non-COVID/ Normal/
        images/         same naming
        lung masks/     (not used by the infection task)
        infection masks/  (all empty, or missing, for Non-COVID and Normal)`,
};

export default covidQuEx;
